<?php

declare(strict_types=1);

namespace Courser\Relay;

use Courser\Exception\RelayException;
use Courser\Frame;

/**
 * Frames over a TCP or Unix socket that the server listens on (`tcp://host:port`, `unix://path`).
 *
 * Connects lazily, on the first send or read, because the server spawns the worker first and expects
 * it to dial in; it retries briefly in case the listener is not accepting yet.
 */
final class SocketRelay implements RelayInterface
{
    /** One year: effectively no read timeout (StreamRelay also tolerates timeouts). */
    private const READ_TIMEOUT = 31_536_000;

    private ?StreamRelay $relay = null;

    /** @var resource|null */
    private $socket = null;

    /**
     * @param string $address        `tcp://host:port` or `unix://path`
     * @param int    $connectAttempts total connect attempts before giving up
     * @param int    $retryDelayUs   pause between attempts, in microseconds
     */
    public function __construct(
        public readonly string $address,
        private readonly int $connectAttempts = 10,
        private readonly int $retryDelayUs = 20_000,
    ) {
        // An explicit host is required: `tcp://:7000` is not connectable from the client side.
        if (!preg_match('~^(tcp://([^:/\[\]]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}|unix://.+)$~', $address)) {
            throw new RelayException("Unsupported socket relay address '$address' (expected tcp://host:port or unix://path)");
        }
        if ($connectAttempts < 1) {
            throw new \InvalidArgumentException('connectAttempts must be at least 1');
        }
    }

    public function __destruct()
    {
        $this->close();
    }

    public function send(string $frameBytes): void
    {
        $this->connected()->send($frameBytes);
    }

    public function waitFrame(): Frame
    {
        return $this->connected()->waitFrame();
    }

    public function hasFrame(): bool
    {
        return $this->connected()->hasFrame();
    }

    public function isConnected(): bool
    {
        return $this->relay !== null;
    }

    public function close(): void
    {
        if (is_resource($this->socket)) {
            fclose($this->socket);
        }
        $this->socket = null;
        $this->relay = null;
    }

    private function connected(): StreamRelay
    {
        return $this->relay ??= $this->connect();
    }

    private function connect(): StreamRelay
    {
        // TCP_NODELAY: frames are small and latency-bound (PONGs, short responses); Nagle would delay them.
        $context = stream_context_create(['socket' => ['tcp_nodelay' => true]]);
        $error = '';
        for ($attempt = 1; $attempt <= $this->connectAttempts; $attempt++) {
            $socket = @stream_socket_client($this->address, $code, $message, 5.0, STREAM_CLIENT_CONNECT, $context);
            if ($socket !== false) {
                stream_set_blocking($socket, true);
                // Idle workers wait for requests indefinitely; don't wake up every default_socket_timeout.
                stream_set_timeout($socket, self::READ_TIMEOUT);
                $this->socket = $socket;

                return new StreamRelay($socket, $socket);
            }
            $error = "$message ($code)";
            if ($attempt < $this->connectAttempts) {
                usleep($this->retryDelayUs);
            }
        }

        throw new RelayException("Unable to connect to relay {$this->address} after {$this->connectAttempts} attempts: $error");
    }
}
