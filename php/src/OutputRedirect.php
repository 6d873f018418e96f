<?php

declare(strict_types=1);

namespace Courser;

/**
 * Keeps stray echo/print/var_dump output off STDOUT.
 *
 * With the `pipes` relay STDOUT *is* the response channel: one stray byte corrupts the next frame and
 * the server kills the worker with a CRC error. We install an output buffer that forwards everything
 * to STDERR (which the server logs) instead. Chunk size 1 flushes after every write, so the output
 * shows up in the logs immediately and nothing is held back if the process dies.
 *
 * Direct fwrite(STDOUT, ...) bypasses output buffering and cannot be caught; don't do that.
 */
final class OutputRedirect
{
    /** @var resource */
    private $target;

    private ?int $level = null;

    private string|false $previousDisplayErrors = false;

    /**
     * @param resource|null $target where the output goes; STDERR by default
     */
    public function __construct($target = null)
    {
        $this->target = $target ?? (defined('STDERR') ? STDERR : fopen('php://stderr', 'wb'));
    }

    public function install(): void
    {
        if ($this->level !== null) {
            return;
        }
        ob_start($this->forward(...), 1);
        $this->level = ob_get_level();

        // display_errors=stdout goes through the output layer, so the buffer catches it while it exists;
        // errors raised after it is torn down at shutdown would hit the relay. stderr is safe always.
        $display = strtolower((string) ini_get('display_errors'));
        if (in_array($display, ['1', 'on', 'yes', 'true', 'stdout'], true)) {
            $this->previousDisplayErrors = ini_set('display_errors', 'stderr');
        }
    }

    /** Removes the buffer again; only possible while it is the innermost one. */
    public function uninstall(): void
    {
        if ($this->level === null) {
            return;
        }
        if (ob_get_level() === $this->level) {
            ob_end_flush();
        }
        $this->level = null;
        if ($this->previousDisplayErrors !== false) {
            ini_set('display_errors', $this->previousDisplayErrors);
            $this->previousDisplayErrors = false;
        }
    }

    public function isInstalled(): bool
    {
        return $this->level !== null;
    }

    private function forward(string $buffer, int $phase): string
    {
        if ($buffer !== '') {
            @fwrite($this->target, $buffer);
        }

        return ''; // nothing reaches the real STDOUT
    }
}
