import { createServer, type Socket } from 'node:net';
import type { Hl7Message } from '@medplum/core';
import { Hl7Connection, type Hl7MessageEvent } from '@medplum/hl7';
import { listenOnLoopback, type RunningDemoServer } from './loopback-listener';

/** How a demo Mirth channel acknowledges every message it receives. */
export type ChannelAnswer = { ack: 'AA' } | { ack: 'AE'; text: string };

function acknowledgement(message: Hl7Message, answer: ChannelAnswer): Hl7Message {
  const ack = message.buildAck({ ackCode: answer.ack });
  // MSA-3, the text Labwire records as the error of an AE. Ours is plain text: no HL7 delimiters to escape.
  if (answer.ack === 'AE') ack.getSegment('MSA')?.setField(3, answer.text);
  return ack;
}

/**
 * A Mirth Connect channel as the demo partner runs it: an MLLP listener on 127.0.0.1 that answers
 * each HL7 message with the same acknowledgement. (medplum's Hl7Server listens on every
 * interface, so the listener is ours and only the framing is medplum's.)
 */
export function startDemoMllpChannel(answer: ChannelAnswer): Promise<RunningDemoServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const connection = new Hl7Connection(socket);
    connection.addEventListener('message', ({ message }: Hl7MessageEvent) => connection.send(acknowledgement(message, answer)));
    // A peer that hangs up mid-message is Labwire's to report; the channel just drops the connection.
    connection.addEventListener('error', () => socket.destroy());
  });
  return listenOnLoopback(server, () => {
    for (const socket of sockets) socket.destroy();
  });
}
