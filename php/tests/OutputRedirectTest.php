<?php

declare(strict_types=1);

namespace Courser\Tests;

use Courser\OutputRedirect;
use Courser\Payload;
use Courser\Relay\StreamRelay;
use Courser\Tests\Support\ServerEnd;
use Courser\Worker;
use PHPUnit\Framework\TestCase;

final class OutputRedirectTest extends TestCase
{
    public function testEchoGoesToTheTargetNotToStdout(): void
    {
        $target = fopen('php://memory', 'w+b');
        $redirect = new OutputRedirect($target);
        $level = ob_get_level();
        $redirect->install();
        try {
            self::assertTrue($redirect->isInstalled());
            self::assertSame($level + 1, ob_get_level());
            echo 'hello ';
            print 'world';
            self::assertSame('hello world', self::contents($target), 'chunk size 1: forwarded immediately');
        } finally {
            $redirect->uninstall();
        }
        self::assertFalse($redirect->isInstalled());
        self::assertSame($level, ob_get_level());
    }

    public function testDisplayErrorsMovesToStderrAndBack(): void
    {
        $previous = ini_set('display_errors', '1');
        $redirect = new OutputRedirect(fopen('php://memory', 'w+b'));
        try {
            $redirect->install();
            self::assertSame('stderr', ini_get('display_errors'));
            $redirect->uninstall();
            self::assertSame('1', ini_get('display_errors'));
        } finally {
            $redirect->uninstall();
            ini_set('display_errors', (string) $previous);
        }
    }

    public function testWorkerEchoDoesNotCorruptFrames(): void
    {
        $server = ServerEnd::pair();
        $target = fopen('php://memory', 'w+b');
        $redirect = new OutputRedirect($target);
        try {
            $worker = new Worker(new StreamRelay($server->workerSocket, $server->workerSocket), $redirect);
            self::assertTrue($redirect->isInstalled(), 'the Worker installs the redirect');
            $server->sendRequest('{}', 'ping');
            $payload = $worker->waitPayload();
            echo 'noise from the app';
            $worker->respond(new Payload('pong', '{}'));
        } finally {
            $redirect->uninstall();
        }
        self::assertSame('{}pong', $server->read()->payload);
        self::assertSame('noise from the app', self::contents($target));
        self::assertSame('ping', $payload->body);
        $server->close();
    }

    /** @param resource $stream */
    private static function contents($stream): string
    {
        rewind($stream);

        return (string) stream_get_contents($stream);
    }
}
