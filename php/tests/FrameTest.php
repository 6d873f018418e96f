<?php

declare(strict_types=1);

namespace Courser\Tests;

use Courser\Exception\FrameException;
use Courser\Frame;
use Courser\Payload;
use PHPUnit\Framework\TestCase;

final class FrameTest extends TestCase
{
    private const GOLDEN = __DIR__ . '/../../test/fixtures/frames/golden.json';

    /** @return iterable<string, array{array{name:string, hex:string, flags:int, stream:int, options:list<int>, payloadHex:string}}> */
    public static function goldenVectors(): iterable
    {
        $json = file_get_contents(self::GOLDEN);
        self::assertIsString($json, 'Shared golden vectors not found at ' . self::GOLDEN);
        $data = json_decode($json, true, 512, JSON_THROW_ON_ERROR);
        self::assertNotEmpty($data['vectors']);
        foreach ($data['vectors'] as $vector) {
            yield $vector['name'] => [$vector];
        }
    }

    /** @dataProvider goldenVectors */
    public function testPacksGoldenVector(array $v): void
    {
        $this->skipIfMalformed($v);
        self::assertSame($v['hex'], bin2hex(Frame::pack($v['flags'], hex2bin($v['payloadHex']), $v['options'], $v['stream'])));
    }

    /** @dataProvider goldenVectors */
    public function testParsesGoldenVector(array $v): void
    {
        $this->skipIfMalformed($v);
        $frame = Frame::decode(hex2bin($v['hex']));
        self::assertSame($v['flags'], $frame->flags);
        self::assertSame($v['stream'], $frame->stream);
        self::assertSame($v['options'], $frame->options);
        self::assertSame($v['payloadHex'], bin2hex($frame->payload));
        self::assertSame($v['hex'], bin2hex($frame->encode()));
    }

    /**
     * V3a/V3b straight from spec §1.7, independent of the fixture file (whose copies of these two
     * vectors are currently malformed, see skipIfMalformed()).
     */
    public function testSpecVectorsV3aAndV3b(): void
    {
        self::assertSame('1400040000007976e7a6000002000000' . '7b7d6869', bin2hex(Frame::pack(0, '{}hi', [2])));
        self::assertSame('140804000000b83d9796000002000000' . '7b7d6869', bin2hex(Frame::pack(Frame::CODEC_JSON, '{}hi', [2])));
        self::assertSame('1400040000007976e7a6050002000000' . '7b7d6869', bin2hex(Frame::pack(0, '{}hi', [2], Frame::STREAM | Frame::PING)));
    }

    public function testConstantsMatchTheServer(): void
    {
        self::assertSame(
            [0x01, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x01, 0x02, 0x04, 0x08],
            [Frame::CONTROL, Frame::CODEC_RAW, Frame::CODEC_JSON, Frame::CODEC_MSGPACK, Frame::CODEC_GOB, Frame::ERROR, Frame::CODEC_PROTO,
                Frame::STREAM, Frame::STOP, Frame::PING, Frame::PONG],
        );
    }

    public function testParseHeaderReportsLengths(): void
    {
        $header = Frame::parseHeader(substr(Frame::pack(Frame::CODEC_PROTO, str_repeat('x', 300), [1, 2, 3], Frame::STREAM), 0, 12));
        self::assertSame(Frame::CODEC_PROTO, $header->flags);
        self::assertSame(Frame::STREAM, $header->stream);
        self::assertSame(3, $header->optionCount);
        self::assertSame(300, $header->payloadLength);
        self::assertSame(312, $header->remainingLength());
    }

    public function testRoundTripsMaximumOptionsAndBinaryPayload(): void
    {
        $options = [0, 1, 0xFFFFFFFF, 7, 8, 9, 10, 11, 12, 13];
        $payload = random_bytes(1000) . "\0\r\n";
        $frame = Frame::decode(Frame::pack(0x48, $payload, $options, 0x0F));
        self::assertSame($options, $frame->options);
        self::assertSame($payload, $frame->payload);
        self::assertTrue($frame->hasFlag(Frame::ERROR));
        self::assertTrue($frame->hasStreamBit(Frame::PONG));
    }

    public function testRejectsCrcMismatch(): void
    {
        $bytes = Frame::pack(Frame::CODEC_JSON, 'abc');
        $bytes[6] = chr(ord($bytes[6]) ^ 0xFF);
        $this->expectException(FrameException::class);
        $this->expectExceptionMessage('CRC mismatch');
        Frame::decode($bytes);
    }

    public function testRejectsStrayStdoutText(): void
    {
        $this->expectException(FrameException::class);
        $this->expectExceptionMessage('CRC mismatch');
        Frame::parseHeader('Hello world!');
    }

    public function testRejectsWrongVersion(): void
    {
        $this->expectException(FrameException::class);
        $this->expectExceptionMessage('Unsupported frame version 2');
        Frame::parseHeader(self::headerWithCrc(0x23, 0, 0));
    }

    /**
     * @testWith [2]
     *           [14]
     *           [0]
     */
    public function testRejectsInvalidHeaderLength(int $hl): void
    {
        $this->expectException(FrameException::class);
        $this->expectExceptionMessage('Invalid frame header length');
        Frame::parseHeader(self::headerWithCrc(0x10 | $hl, 0, 0));
    }

    public function testRejectsShortHeaderAndTruncatedFrame(): void
    {
        try {
            Frame::parseHeader('short');
            self::fail('expected FrameException');
        } catch (FrameException $e) {
            self::assertStringContainsString('12 bytes', $e->getMessage());
        }
        $this->expectException(FrameException::class);
        Frame::decode(substr(Frame::pack(0, 'payload'), 0, -1));
    }

    public function testReservedByteIsIgnored(): void
    {
        $bytes = Frame::pack(0, 'x');
        $bytes[11] = "\x07";
        self::assertSame('x', Frame::decode($bytes)->payload);
    }

    /** @return iterable<string, array{int, string, list<mixed>, int}> */
    public static function invalidPackArguments(): iterable
    {
        yield 'flags > 255' => [256, '', [], 0];
        yield 'negative flags' => [-1, '', [], 0];
        yield 'stream > 255' => [0, '', [], 256];
        yield 'eleven options' => [0, '', array_fill(0, 11, 0), 0];
        yield 'negative option' => [0, '', [-1], 0];
        yield 'option > uint32' => [0, '', [0x100000000], 0];
        yield 'non-int option' => [0, '', ['1'], 0];
    }

    /** @dataProvider invalidPackArguments */
    public function testPackRejectsInvalidArguments(int $flags, string $payload, array $options, int $stream): void
    {
        $this->expectException(\InvalidArgumentException::class);
        Frame::pack($flags, $payload, $options, $stream);
    }

    public function testPackPayloadKeepsASmallFrameInOneString(): void
    {
        $payload = new Payload(str_repeat('b', Frame::SPLIT_BODY_MIN - 1), '{"c":1}');

        self::assertSame(
            [Frame::pack(Frame::CODEC_JSON, $payload->header . $payload->body, [7], Frame::STREAM)],
            Frame::packPayload(Frame::CODEC_JSON, $payload, Frame::STREAM),
        );
    }

    public function testPackPayloadSendsALargeBodyAfterItsHeadUncopied(): void
    {
        $body = str_repeat('b', Frame::SPLIT_BODY_MIN);
        $payload = new Payload($body, '{"c":1}');

        $parts = Frame::packPayload(Frame::CODEC_JSON, $payload);

        self::assertCount(2, $parts);
        self::assertSame(Frame::pack(Frame::CODEC_JSON, '{"c":1}' . $body, [7]), $parts[0] . $parts[1]);
        self::assertSame(Frame::HEADER_SIZE + 4 + 7, strlen($parts[0]), 'head, option word, context');
        self::assertSame($body, $parts[1]);
    }

    public function testPackPayloadRejectsInvalidBytesForLargeBodiesToo(): void
    {
        $this->expectException(\InvalidArgumentException::class);
        Frame::packPayload(256, new Payload(str_repeat('b', Frame::SPLIT_BODY_MIN)));
    }

    private static function headerWithCrc(int $vhl, int $flags, int $length): string
    {
        $head = pack('CCV', $vhl, $flags, $length);

        return $head . pack('VCC', crc32($head), 0, 0);
    }

    /**
     * A vector whose hex is not the packed form of its own fields cannot test anything; report it
     * as incomplete (visible in the PHPUnit summary) instead of failing on a fixture problem.
     */
    private function skipIfMalformed(array $v): void
    {
        $hex = $v['hex'];
        $problem = match (true) {
            strlen($hex) % 2 !== 0 => 'odd number of hex digits',
            !str_ends_with($hex, $v['payloadHex']) => 'hex does not end with payloadHex',
            strlen($hex) !== 24 + 8 * count($v['options']) + strlen($v['payloadHex']) => 'length does not match options + payload',
            default => null,
        };
        if ($problem !== null) {
            self::markTestIncomplete("golden.json vector {$v['name']} is malformed ($problem); fix test/fixtures/frames/golden.json");
        }
    }
}
