<?php

declare(strict_types=1);

namespace Courser;

use Courser\Exception\StreamStoppedException;
use Courser\Relay\RelayInterface;

/**
 * One streamed response (spec §3.7): every frame but the last carries STREAM in byte 10.
 *
 * Every PING_EVERY-th frame also carries PING and the server answers with PONG. Before each frame we
 * poll the relay without blocking, consuming PONGs and noticing STOP (the client went away). After a
 * STOP no more data is sent; the stream is closed with an empty frame (flags 0, one option = 0),
 * which is the acknowledgement the server waits for.
 *
 * Frames that are neither PONG nor STOP (e.g. a stop control frame) are handed back to the Worker,
 * which processes them on its next waitPayload().
 */
final class ResponseStream
{
    public const PING_EVERY = 5;

    private int $sent = 0;
    private bool $awaitingPong = false;
    private bool $stopped = false;
    private bool $closed = false;

    /**
     * @param \Closure(Frame): void $deferFrame receives frames that belong to the worker loop
     */
    public function __construct(
        private readonly RelayInterface $relay,
        private readonly int $codec,
        private readonly \Closure $deferFrame,
    ) {
    }

    /**
     * Sends one chunk with STREAM set.
     *
     * @return bool false when the server stopped the stream; the chunk was then not sent
     */
    public function send(Payload $chunk): bool
    {
        $this->assertOpen();
        $this->poll();
        if ($this->stopped) {
            return false;
        }
        $bits = Frame::STREAM;
        if (!$this->awaitingPong && ($this->sent + 1) % self::PING_EVERY === 0) {
            $bits |= Frame::PING;
            $this->awaitingPong = true;
        }
        $this->sendFrame($this->codec, $chunk, $bits);
        $this->sent++;

        return true;
    }

    /** Sends the last frame (no STREAM). After a STOP it sends the empty acknowledgement instead. */
    public function end(?Payload $last = null): void
    {
        $this->assertOpen();
        $this->poll();
        $this->closed = true;
        if ($this->stopped) {
            $this->sendFrame(0, new Payload(), 0);
        } else {
            $this->sendFrame($this->codec, $last ?? new Payload(), 0);
        }
    }

    /** Closes the stream with the empty final frame (used when the producer failed). No-op once closed. */
    public function abort(): void
    {
        if ($this->closed) {
            return;
        }
        $this->closed = true;
        $this->sendFrame(0, new Payload(), 0);
    }

    /**
     * Streams every item of $chunks, then the generator's return value (if any) as the last frame.
     *
     * On STOP a StreamStoppedException is thrown into a Generator so it can clean up. If the producer
     * throws after the first frame went out, the stream is closed with the empty frame and the
     * exception is rethrown; the response is then over, so do not send error() for it. If it throws
     * before anything was sent, nothing is sent and the caller may still respond or error().
     *
     * @param iterable<mixed>         $chunks
     * @param \Closure(mixed): Payload $toPayload converts a yielded (or returned) value to a frame
     *
     * @return bool false when the server stopped the stream
     */
    public function sendAll(iterable $chunks, \Closure $toPayload): bool
    {
        try {
            foreach ($chunks as $chunk) {
                if (!$this->send($toPayload($chunk))) {
                    if ($chunks instanceof \Generator) {
                        self::throwStopInto($chunks);
                    }
                    $this->end();

                    return false;
                }
            }
            $last = $chunks instanceof \Generator ? $chunks->getReturn() : null;
        } catch (\Throwable $e) {
            if ($this->sent > 0) {
                $this->abort();
            }
            throw $e;
        }
        $this->end($toPayload($last ?? ''));

        return !$this->stopped;
    }

    public function isStopped(): bool
    {
        return $this->stopped;
    }

    public function isAwaitingPong(): bool
    {
        return $this->awaitingPong;
    }

    /** Number of STREAM frames sent so far. */
    public function framesSent(): int
    {
        return $this->sent;
    }

    private function poll(): void
    {
        while (!$this->stopped && $this->relay->hasFrame()) {
            $frame = $this->relay->waitFrame();
            if ($frame->hasStreamBit(Frame::STOP)) {
                $this->stopped = true;
            } elseif ($frame->hasStreamBit(Frame::PONG)) {
                $this->awaitingPong = false;
            } else {
                ($this->deferFrame)($frame);
            }
        }
    }

    private static function throwStopInto(\Generator $generator): void
    {
        try {
            $generator->throw(new StreamStoppedException());
        } catch (StreamStoppedException) {
            // Not handled by the generator: expected, the stream is over either way.
        }
    }

    /** Every frame of the stream, the last one included, goes out as Frame::packPayload() splits it. */
    private function sendFrame(int $flags, Payload $payload, int $streamBits): void
    {
        foreach (Frame::packPayload($flags, $payload, $streamBits) as $bytes) {
            $this->relay->send($bytes);
        }
    }

    private function assertOpen(): void
    {
        if ($this->closed) {
            throw new \LogicException('The response stream is already closed');
        }
    }
}
