import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Hl7Message, Hl7Segment } from '@medplum/core';
import { Hl7Server, type Hl7Connection, type Hl7MessageEvent } from '@medplum/hl7';
import { escapeHl7Text } from '../../activities/mirth/hl7-builders';

/** How the fake Mirth channel answers each message it receives. */
export type PeerReply =
  | { kind: 'AA' }
  | { kind: 'AE'; text: string }
  | { kind: 'wrong-control-id' }
  | { kind: 'silent' }
  | { kind: 'not-hl7' }
  | { kind: 'hang-up' };

const START_BLOCK = 0x0b;
const END_BLOCK = 0x1c;

/** A real MLLP listener standing in for a Mirth Connect channel. */
export class MirthPeer {
  readonly received: Hl7Message[] = [];
  /** Every byte each connection sent, in order, one entry per connection. */
  readonly rawStreams: Buffer[][] = [];
  reply: PeerReply = { kind: 'AA' };
  /** Decides one message's answer; without it (or when it returns undefined) `reply` answers. */
  decide?: (message: Hl7Message) => PeerReply | undefined;
  private readonly server = new Hl7Server((connection) => {
    const stream: Buffer[] = [];
    this.rawStreams.push(stream);
    connection.socket.on('data', (chunk: Buffer) => stream.push(chunk));
    connection.addEventListener('message', ({ message }: Hl7MessageEvent) => {
      this.received.push(message);
      this.answer(connection, message);
    });
  });

  async start(): Promise<number> {
    this.server.start(0);
    await once(this.server.server!, 'listening');
    return (this.server.server!.address() as AddressInfo).port;
  }

  openConnections(): Promise<number> {
    return new Promise((resolve, reject) => this.server.server!.getConnections((error, count) => (error ? reject(error) : resolve(count))));
  }

  /**
   * The messages as a strict MLLP receiver frames the bytes: a frame starts at a start-block
   * byte (0x0B, discarding anything unfinished) and ends at the first end-block byte (0x1C).
   * medplum's listener only looks at the end of each chunk, so it can miss a framing byte
   * inside data that a receiver like Mirth would act on.
   */
  framesAsRead(): string[] {
    const frames: string[] = [];
    for (const bytes of this.rawStreams.map((stream) => Buffer.concat(stream))) {
      let start: number | undefined;
      bytes.forEach((byte, index) => {
        if (byte === START_BLOCK) start = index + 1;
        else if (byte === END_BLOCK && start !== undefined) {
          frames.push(bytes.subarray(start, index).toString('utf8'));
          start = undefined;
        }
      });
    }
    return frames;
  }

  stop(): Promise<void> {
    return this.server.stop({ forceDrainTimeoutMs: 1_000 });
  }

  private answer(connection: Hl7Connection, message: Hl7Message): void {
    const reply = this.decide?.(message) ?? this.reply;
    switch (reply.kind) {
      case 'AA':
        return connection.send(message.buildAck({ ackCode: 'AA' }));
      case 'AE': {
        const ack = message.buildAck({ ackCode: 'AE' });
        ack.getSegment('MSA')!.setField(3, escapeHl7Text(reply.text));
        return connection.send(ack);
      }
      case 'wrong-control-id': {
        const ack = message.buildAck({ ackCode: 'AA' });
        ack.getSegment('MSA')!.setField(2, 'EARLIER-MESSAGE');
        return connection.send(ack);
      }
      case 'silent':
        return;
      case 'not-hl7':
        return connection.send(new Hl7Message([new Hl7Segment(['GARBAGE'])]));
      case 'hang-up':
        void connection.close();
        return;
    }
  }
}

