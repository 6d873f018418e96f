<?php

declare(strict_types=1);

namespace Courser\Rpc;

use Courser\Environment;
use Courser\Exception\ProtocolException;
use Courser\Exception\ServiceException;
use Courser\Frame;
use Courser\Relay\RelayInterface;
use Courser\Relay\SocketRelay;

/**
 * A goridge RPC client (spec §5), call-compatible with Spiral\Goridge\RPC\RPC:
 *
 *   $rpc = RPC::create();                          // RR_RPC, else tcp://127.0.0.1:6001
 *   $rpc->call('informer.Workers', 'http');        // JSON codec: arrays back
 *   $rpc->withServicePrefix('metrics')->call('add', ['name' => 'hits', 'value' => 1]);
 *
 * Request frame: flags = codec, options [seq, strlen(method)], payload = method . argument. The reply
 * echoes seq and the method; the ERROR flag means the body is the server's error text. One call is
 * in flight per connection.
 */
final class RPC
{
    /** Process-wide, like the Spiral client, so several instances never reuse a sequence number. */
    private static int $seq = 0;

    public function __construct(
        private readonly RelayInterface $relay,
        private readonly ?string $service = null,
        private readonly string $address = 'relay',
    ) {
    }

    /** Connects (lazily) to `tcp://host:port` or `unix://path`; default: RR_RPC from the environment. */
    public static function create(?string $address = null): self
    {
        $address ??= Environment::rpcAddress();

        return new self(new SocketRelay($address), null, $address);
    }

    /** A client whose short method names are prefixed: 'add' on 'metrics' calls 'metrics.Add'. */
    public function withServicePrefix(string $service): self
    {
        return new self($this->relay, $service, $this->address);
    }

    /**
     * @param mixed $payload JSON: any json_encode()-able value; RAW and PROTO: the bytes as a string
     *
     * @return mixed JSON: the decoded reply (objects as arrays); RAW and PROTO: the reply bytes
     *
     * @throws ServiceException when the server answers with an error
     * @throws ProtocolException when the reply is not an answer to this call
     */
    public function call(string $method, mixed $payload, int $codec = Frame::CODEC_JSON): mixed
    {
        $method = $this->service === null ? $method : $this->service . '.' . ucfirst($method);
        $seq = ++self::$seq;
        if (self::$seq >= Frame::MAX_UINT32) {
            self::$seq = 0;
        }
        $this->relay->send(Frame::pack($codec, $method . $this->encode($payload, $codec), [$seq, strlen($method)]));

        $frame = $this->relay->waitFrame();
        if (count($frame->options) !== 2) {
            throw new ProtocolException('Invalid RPC frame, options missing');
        }
        if ($frame->options[0] !== $seq) {
            throw new ProtocolException("Invalid RPC frame, sequence mismatch (sent $seq, got {$frame->options[0]})");
        }
        $body = substr($frame->payload, $frame->options[1]);
        if ($frame->hasFlag(Frame::ERROR)) {
            throw new ServiceException("Error '$body' on {$this->address}");
        }

        return $this->decode($body, $frame->flags & ~Frame::ERROR);
    }

    private function encode(mixed $payload, int $codec): string
    {
        if ($codec === Frame::CODEC_JSON) {
            return json_encode($payload, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION);
        }
        if (!is_string($payload)) {
            throw new \InvalidArgumentException('RAW and PROTO payloads must be strings (already encoded bytes)');
        }

        return $payload;
    }

    private function decode(string $body, int $codec): mixed
    {
        if ($codec !== Frame::CODEC_JSON) {
            return $body;
        }

        return json_decode($body, true, 512, JSON_THROW_ON_ERROR);
    }
}
