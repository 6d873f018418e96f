<?php

declare(strict_types=1);

namespace Courser\Relay;

use Courser\Exception\FrameException;
use Courser\Exception\RelayException;
use Courser\Frame;

/** A full-duplex byte channel to the server that carries goridge frames. */
interface RelayInterface
{
    /**
     * Writes frame bytes in a single write: a whole frame (Frame::pack()), or one of the parts
     * Frame::packPayload() splits a large one into, sent back to back. A worker is the relay's only
     * writer, so frames never interleave.
     *
     * @throws RelayException
     */
    public function send(string $frameBytes): void;

    /**
     * Blocks until one whole frame has been read.
     *
     * @throws RelayException when the relay is closed or fails
     * @throws FrameException when the bytes are not a valid frame
     */
    public function waitFrame(): Frame;

    /** Non-blocking: true when a frame (or at least its first byte) can be read right now. */
    public function hasFrame(): bool;
}
