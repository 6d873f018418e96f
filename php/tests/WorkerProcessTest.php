<?php

declare(strict_types=1);

namespace Courser\Tests;

use Courser\Frame;
use Courser\Tests\Support\ServerEnd;
use PHPUnit\Framework\TestCase;

/**
 * End to end: a real `php` child process speaking to us over its stdin/stdout (pipes relay) or over
 * TCP, exactly as the server runs workers. The child echoes and warns on purpose.
 */
final class WorkerProcessTest extends TestCase
{
    private const WORKER = __DIR__ . '/fixtures/noisy-worker.php';

    /** @var resource|null */
    private $process = null;

    /** @var array<int, resource> */
    private array $pipes = [];

    /** The child's stderr goes to a file: an undrained pipe would fill up and block the child. */
    private string $stderrFile = '';

    protected function tearDown(): void
    {
        foreach ($this->pipes as $pipe) {
            if (is_resource($pipe)) {
                fclose($pipe);
            }
        }
        if (is_resource($this->process)) {
            proc_terminate($this->process, 9);
            proc_close($this->process);
        }
        if ($this->stderrFile !== '' && file_exists($this->stderrFile)) {
            unlink($this->stderrFile);
        }
    }

    public function testPipesRelayWithNoisyWorker(): void
    {
        $env = getenv();
        unset($env['RR_RELAY']); // the default must be pipes
        $pid = $this->spawn($env);

        // The server writes to the worker's stdin and reads its stdout; one socket-like view of both.
        $this->conversation(ServerEnd::pipes($this->pipes[0], $this->pipes[1]), $pid);
        $this->assertExitsCleanly();

        $stderr = (string) file_get_contents($this->stderrFile);
        foreach (['booted', 'echo before respond', 'print', '["handling"]', 'a warning', str_repeat('x', 20000), 'after respond', 'chunk 6', 'bye'] as $needle) {
            self::assertTrue(str_contains($stderr, $needle), 'stderr lacks ' . substr($needle, 0, 40));
        }
    }

    public function testTcpRelayFromEnvironment(): void
    {
        $listener = stream_socket_server('tcp://127.0.0.1:0', $code, $message);
        self::assertNotFalse($listener, $message);
        $address = 'tcp://' . stream_socket_get_name($listener, false);
        $pid = $this->spawn(['RR_RELAY' => $address] + getenv());

        $socket = stream_socket_accept($listener, 5);
        self::assertNotFalse($socket, 'the worker must dial in');
        $this->conversation(new ServerEnd($socket), $pid);
        $this->assertExitsCleanly();
        fclose($socket);
        fclose($listener);
    }

    public function testWorkerInitiatedStop(): void
    {
        $env = getenv();
        unset($env['RR_RELAY']);
        $pid = $this->spawn($env);
        $server = ServerEnd::pipes($this->pipes[0], $this->pipes[1]);
        $server->sendPidRequest();
        self::assertSame(['pid' => $pid], json_decode($server->read(5)->payload, true));
        $server->sendRequest('{}', 'recycle');
        self::assertSame('14000d000000f339efdb00000d0000007b2273746f70223a747275657d', bin2hex($server->readRaw(5)));
        $this->assertExitsCleanly();
    }

    private function conversation(ServerEnd $server, int $pid): void
    {
        $server->sendPidRequest();
        $reply = $server->read(5);
        self::assertSame(Frame::CONTROL, $reply->flags);
        self::assertSame(['pid' => $pid], json_decode($reply->payload, true), 'getmypid() of the direct child');

        for ($i = 0; $i < 3; $i++) {
            $server->sendRequest('{"n":' . $i . '}', "req$i");
            $frame = $server->read(5);
            self::assertSame([Frame::CODEC_JSON, [7], '{"n":' . $i . '}echo:req' . $i], [$frame->flags, $frame->options, $frame->payload]);
        }

        $server->sendRequest('{}', 'stream');
        $body = '';
        do {
            $frame = $server->read(5);
            if ($frame->hasStreamBit(Frame::PING)) {
                $server->sendPong();
            }
            $body .= substr($frame->payload, $frame->options[0]);
        } while ($frame->hasStreamBit(Frame::STREAM));
        self::assertSame('part0 part1 part2 part3 part4 part5 part6 done', $body);

        $server->sendStopControl();
    }

    /** @param array<string, string> $env */
    private function spawn(array $env): int
    {
        $this->stderrFile = (string) tempnam(sys_get_temp_dir(), 'courser-stderr');
        $process = proc_open(
            [PHP_BINARY, '-d', 'display_errors=1', '-d', 'error_reporting=-1', self::WORKER],
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['file', $this->stderrFile, 'w']],
            $this->pipes,
            null,
            $env,
        );
        self::assertIsResource($process);
        $this->process = $process;

        return proc_get_status($process)['pid'];
    }

    private function assertExitsCleanly(): void
    {
        $deadline = microtime(true) + 5;
        do {
            $status = proc_get_status($this->process);
            if (!$status['running']) {
                $stderr = (string) file_get_contents($this->stderrFile);
                self::assertSame(0, $status['exitcode'], "worker stderr:\n$stderr");
                self::assertSame('', (string) stream_get_contents($this->pipes[1]), 'nothing after the frames on stdout');

                return;
            }
            usleep(5000);
        } while (microtime(true) < $deadline);
        self::fail('worker did not exit after stop');
    }
}
