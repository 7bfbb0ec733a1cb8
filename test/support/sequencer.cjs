// The chaos run restarts the machine's PostgreSQL, which every server of the suite's stack uses:
// it runs last, so no other test meets a connection the restart cut. The rest keep jest's order.
const Sequencer = require('@jest/test-sequencer').default;

const LAST = /[\\/]chaos\.int\.test\.ts$/;

class ChaosLastSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    return [...sorted.filter((t) => !LAST.test(t.path)), ...sorted.filter((t) => LAST.test(t.path))];
  }
}

module.exports = ChaosLastSequencer;
