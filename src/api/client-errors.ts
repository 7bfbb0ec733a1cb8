import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused connection keeps reading what the client still sends before it closes. */
const LINGER_MS = 2_000;

/**
 * Requests Node's HTTP server refuses before Express sees them (a malformed request line, headers
 * over 16 KB, an `Expect` other than 100-continue) are answered as problem+json too, like every
 * other 4xx; Node's own answers carry no body and no content type.
 */
export function answerClientErrorsAsProblems(server: Server): void {
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The rest of a request already refused (each further chunk of its body fails to parse again):
    // the lingering close below ends that connection.
    if (answered.has(socket)) return;
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const [status, title] =
      error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout'] : [400, 'Bad Request'];
    const body = JSON.stringify({ type: 'about:blank', title, status, detail: 'The request is not valid HTTP/1.1.' });
    answered.add(socket);
    socket.end(`HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    // A lingering close: what the client is still sending (a body after a refused request line) is
    // read and dropped for a moment. Destroyed with it unread, the socket would answer with a reset,
    // and the client's system may drop this answer before the client has read it.
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify({ type: 'about:blank', title: 'Expectation Failed', status: 417, detail: `Only "Expect: 100-continue" is supported (got "${req.headers.expect ?? ''}").`, instance: req.url });
    res.writeHead(417, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
  });
}
