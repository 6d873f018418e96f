<?php

declare(strict_types=1);

namespace Courser\Tests;

use Courser\Environment;
use Courser\Exception\RelayException;
use Courser\Relay\SocketRelay;
use Courser\Relay\StreamRelay;
use Courser\Worker;
use PHPUnit\Framework\TestCase;

final class EnvironmentTest extends TestCase
{
    private string|false $saved;

    protected function setUp(): void
    {
        $this->saved = getenv('RR_RELAY');
        putenv('RR_RELAY');
        unset($_SERVER['RR_RELAY'], $_ENV['RR_RELAY']);
    }

    protected function tearDown(): void
    {
        putenv($this->saved === false ? 'RR_RELAY' : 'RR_RELAY=' . $this->saved);
        unset($_SERVER['RR_RELAY'], $_ENV['RR_RELAY']);
    }

    public function testDefaultsToPipes(): void
    {
        self::assertSame('pipes', Environment::relayAddress());
        self::assertInstanceOf(StreamRelay::class, Worker::create(null)->getRelay());
    }

    public function testGetenvWins(): void
    {
        putenv('RR_RELAY=tcp://127.0.0.1:6001');
        $_SERVER['RR_RELAY'] = 'unix://other.sock';
        self::assertSame('tcp://127.0.0.1:6001', Environment::relayAddress());
        $relay = Worker::create(null)->getRelay();
        self::assertInstanceOf(SocketRelay::class, $relay);
        self::assertSame('tcp://127.0.0.1:6001', $relay->address);
        self::assertFalse($relay->isConnected());
    }

    public function testFallsBackToServerThenEnv(): void
    {
        $_ENV['RR_RELAY'] = 'unix://from-env.sock';
        self::assertSame('unix://from-env.sock', Environment::relayAddress());
        $_SERVER['RR_RELAY'] = 'unix://from-server.sock';
        self::assertSame('unix://from-server.sock', Environment::relayAddress());
    }

    public function testBadAddressFailsAtCreate(): void
    {
        putenv('RR_RELAY=udp://127.0.0.1:1');
        $this->expectException(RelayException::class);
        Worker::create(null);
    }

    public function testMode(): void
    {
        $_SERVER['RR_MODE'] = 'http';
        try {
            self::assertSame(getenv('RR_MODE') ?: 'http', Environment::mode());
        } finally {
            unset($_SERVER['RR_MODE']);
        }
    }
}
