import type { Harness } from './harness';
import { MirthPeer } from './mirth-peer';
import { Receiver } from './receiver';

export interface Partners {
  receiver: Receiver;
  peer: MirthPeer;
  /** The MLLP peer's port, known once the describe's beforeAll has run. */
  mirthPort: number;
}

/**
 * A real webhook receiver and MLLP peer, started before the harness and stopped after it: the
 * hooks are registered in the calling describe.
 */
export function startWithPartners(harness: Harness): Partners {
  const partners: Partners = { receiver: new Receiver(), peer: new MirthPeer(), mirthPort: 0 };
  beforeAll(async () => {
    await partners.receiver.start();
    partners.mirthPort = await partners.peer.start();
    await harness.start();
  });
  afterAll(async () => {
    await harness.stop();
    await partners.peer.stop();
    await partners.receiver.stop();
  });
  return partners;
}
