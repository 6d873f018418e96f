<?php

declare(strict_types=1);

namespace Courser\Tests;

use Courser\Exception\RelayException;
use Courser\Frame;
use Courser\Relay\Relay;
use Courser\Relay\SocketRelay;
use Courser\Relay\StreamRelay;
use Courser\Tests\Support\ServerEnd;
use PHPUnit\Framework\TestCase;

final class SocketRelayTest extends TestCase
{
    /** @var resource|null */
    private $listener = null;
    private ?string $unixPath = null;

    protected function tearDown(): void
    {
        if (is_resource($this->listener)) {
            fclose($this->listener);
        }
        if ($this->unixPath !== null && file_exists($this->unixPath)) {
            unlink($this->unixPath);
        }
    }

    public function testTcpRelay(): void
    {
        $this->exchange($this->listen('tcp://127.0.0.1:0'));
    }

    public function testUnixRelay(): void
    {
        $this->unixPath = sys_get_temp_dir() . '/courser-relay-' . getmypid() . '-' . bin2hex(random_bytes(4)) . '.sock';
        $this->exchange($this->listen('unix://' . $this->unixPath));
    }

    public function testConnectsLazily(): void
    {
        $relay = new SocketRelay('tcp://127.0.0.1:1', 1, 0);
        self::assertFalse($relay->isConnected(), 'constructing must not connect');
    }

    public function testGivesUpAfterRetries(): void
    {
        // Grab a free port, then close it so nothing listens there.
        $address = $this->listen('tcp://127.0.0.1:0');
        fclose($this->listener);
        $relay = new SocketRelay($address, 3, 1000);
        $this->expectException(RelayException::class);
        $this->expectExceptionMessage('after 3 attempts');
        $relay->send('x');
    }

    /** @return iterable<string, array{string, class-string}> */
    public static function relayAddresses(): iterable
    {
        yield 'pipes' => ['pipes', StreamRelay::class];
        yield 'tcp' => ['tcp://127.0.0.1:6001', SocketRelay::class];
        yield 'tcp hostname' => ['tcp://localhost:7000', SocketRelay::class];
        yield 'tcp ipv6' => ['tcp://[::1]:7000', SocketRelay::class];
        yield 'unix relative' => ['unix://rr.sock', SocketRelay::class];
        yield 'unix absolute' => ['unix:///tmp/rr.sock', SocketRelay::class];
    }

    /** @dataProvider relayAddresses */
    public function testRelayCreate(string $address, string $class): void
    {
        self::assertInstanceOf($class, Relay::create($address));
    }

    /** @return iterable<array{string}> */
    public static function invalidAddresses(): iterable
    {
        foreach (['tcp://:7000', 'tcp://127.0.0.1', 'tcp://host:port', 'http://localhost:80', 'foo', '', 'unix://', 'pipes://in:out'] as $address) {
            yield $address => [$address];
        }
    }

    /** @dataProvider invalidAddresses */
    public function testRelayCreateRejects(string $address): void
    {
        $this->expectException(RelayException::class);
        $this->expectExceptionMessage('Unsupported');
        Relay::create($address);
    }

    private function listen(string $address): string
    {
        $listener = stream_socket_server($address, $code, $message);
        self::assertNotFalse($listener, "listen on $address: $message");
        $this->listener = $listener;
        $name = stream_socket_get_name($listener, false);

        return str_starts_with($address, 'unix://') ? $address : 'tcp://' . $name;
    }

    private function exchange(string $address): void
    {
        $relay = new SocketRelay($address);
        // connect() completes through the listen backlog, so the relay can send before we accept.
        $relay->send(Frame::pack(Frame::CONTROL, '{"pid":1}'));
        self::assertTrue($relay->isConnected());
        $accepted = stream_socket_accept($this->listener, 2);
        self::assertNotFalse($accepted);
        $server = new ServerEnd($accepted);

        $frame = $server->read();
        self::assertSame(Frame::CONTROL, $frame->flags);
        self::assertSame('{"pid":1}', $frame->payload);

        self::assertFalse($relay->hasFrame());
        $server->sendRequest('{}', 'body');
        $frame = $relay->waitFrame();
        self::assertSame('{}body', $frame->payload);
        self::assertSame([2], $frame->options);

        $relay->close();
        self::assertFalse($relay->isConnected());
        fclose($accepted);
    }
}
