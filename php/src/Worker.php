<?php

declare(strict_types=1);

namespace Courser;

use Courser\Exception\ProtocolException;
use Courser\Relay\Relay;
use Courser\Relay\RelayInterface;

/**
 * The worker side of the goridge protocol: receive payloads, send responses (spec §3).
 *
 *     $worker = Worker::create();
 *     while ($payload = $worker->waitPayload()) {
 *         $worker->respond(new Payload('hello ' . $payload->body));
 *     }
 */
final class Worker
{
    /** The context of a worker-initiated stop; the server recycles the worker and retries the request. */
    public const STOP_CONTEXT = '{"stop":true}';

    /** @var list<Frame> frames that arrived during a stream and are processed by the next waitPayload() */
    private array $deferred = [];

    /**
     * @param OutputRedirect|null $outputRedirect installed right away; pass null to leave STDOUT alone
     */
    public function __construct(
        private readonly RelayInterface $relay,
        ?OutputRedirect $outputRedirect = new OutputRedirect(),
    ) {
        $outputRedirect?->install();
    }

    /**
     * A worker on the relay named by RR_RELAY (default `pipes`), with echo output redirected to STDERR.
     *
     * @param OutputRedirect|null $outputRedirect null leaves STDOUT alone
     */
    public static function create(?OutputRedirect $outputRedirect = new OutputRedirect()): self
    {
        return new self(Relay::create(Environment::relayAddress()), $outputRedirect);
    }

    public function getRelay(): RelayInterface
    {
        return $this->relay;
    }

    /**
     * Blocks until the next request.
     *
     * Control traffic is handled here: the pid handshake is answered, leftover PONG/STOP stream
     * signals are dropped.
     *
     * @return Payload|null null when the server asks the worker to stop (or sends an empty payload):
     *                      leave the loop and exit
     */
    public function waitPayload(): ?Payload
    {
        while (true) {
            $frame = array_shift($this->deferred) ?? $this->relay->waitFrame();

            if ($frame->hasFlag(Frame::CONTROL)) {
                if ($this->handleControl($frame)) {
                    return null;
                }
                continue;
            }
            if (self::isStreamSignal($frame)) {
                // A PONG answering our last PING, or a STOP that crossed our final stream frame.
                continue;
            }

            $payload = self::toPayload($frame);

            return $payload->isEmpty() ? null : $payload;
        }
    }

    /**
     * Sends a complete response.
     *
     * @param int $codec frame flags: CODEC_JSON (default, like RoadRunner's PHP http >= 3.5), CODEC_PROTO, ...
     */
    public function respond(Payload $payload, int $codec = Frame::CODEC_JSON): void
    {
        self::assertCodec($codec);
        foreach (Frame::packPayload($codec, $payload) as $bytes) {
            $this->relay->send($bytes);
        }
    }

    /**
     * Streams a response: each item (Payload or string body) is one frame; a Generator's return value
     * (Payload, string or null) is the last frame. See ResponseStream::sendAll() for STOP and failures.
     *
     * @param iterable<Payload|string> $chunks
     *
     * @return bool false when the server stopped the stream
     */
    public function respondStream(iterable $chunks, int $codec = Frame::CODEC_JSON): bool
    {
        return $this->openStream($codec)->sendAll(
            $chunks,
            static fn (mixed $chunk): Payload => $chunk instanceof Payload ? $chunk : new Payload((string) $chunk),
        );
    }

    /** Starts a streamed response to drive chunk by chunk (send() ... end()). */
    public function openStream(int $codec = Frame::CODEC_JSON): ResponseStream
    {
        self::assertCodec($codec);

        return new ResponseStream($this->relay, $codec, function (Frame $frame): void {
            $this->deferred[] = $frame;
        });
    }

    /** Fails the current request; the server answers the client with its error status and keeps this worker. */
    public function error(string $message): void
    {
        $this->relay->send(Frame::pack(Frame::ERROR, $message));
    }

    /**
     * Asks the server to recycle this worker instead of answering: the current request is re-run on
     * another worker. Exit after calling this.
     */
    public function stop(): void
    {
        $this->relay->send(Frame::pack(0, self::STOP_CONTEXT, [strlen(self::STOP_CONTEXT)]));
    }

    /** @return bool true when the server asked us to stop */
    private function handleControl(Frame $frame): bool
    {
        try {
            $message = json_decode($frame->payload, true, 8, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw new ProtocolException('Invalid control frame payload: ' . $e->getMessage(), 0, $e);
        }
        if (!is_array($message)) {
            throw new ProtocolException('Invalid control frame payload: ' . $frame->payload);
        }
        // "stop" wins over "pid", as on the server side.
        if (!empty($message['stop'])) {
            return true;
        }
        if (!empty($message['pid'])) {
            $this->relay->send(Frame::pack(Frame::CONTROL, json_encode(['pid' => getmypid()], JSON_THROW_ON_ERROR)));

            return false;
        }

        throw new ProtocolException('Unknown control message: ' . $frame->payload);
    }

    private static function isStreamSignal(Frame $frame): bool
    {
        return ($frame->stream & (Frame::PONG | Frame::STOP)) !== 0 && $frame->options === [] && $frame->payload === '';
    }

    private static function toPayload(Frame $frame): Payload
    {
        if ($frame->options === [] && $frame->payload === '') {
            return new Payload();
        }
        if (count($frame->options) !== 1) {
            throw new ProtocolException(sprintf('A request frame must carry exactly one option (the context length), got %d', count($frame->options)));
        }
        $contextLength = $frame->options[0];
        if ($contextLength > strlen($frame->payload)) {
            throw new ProtocolException(sprintf('Context length %d exceeds the payload length %d', $contextLength, strlen($frame->payload)));
        }

        return new Payload((string) substr($frame->payload, $contextLength), (string) substr($frame->payload, 0, $contextLength));
    }

    private static function assertCodec(int $codec): void
    {
        if ($codec < 0 || $codec > 0xFF || ($codec & (Frame::CONTROL | Frame::ERROR)) !== 0) {
            throw new \InvalidArgumentException(sprintf('Invalid response codec 0x%02x (CONTROL and ERROR are not codecs)', $codec));
        }
    }
}
