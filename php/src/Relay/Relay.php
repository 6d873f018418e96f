<?php

declare(strict_types=1);

namespace Courser\Relay;

use Courser\Exception\RelayException;

/** Builds a relay from the address the server passes in RR_RELAY. */
final class Relay
{
    public const PIPES = 'pipes';

    /**
     * @param string $address `pipes`, `tcp://host:port` or `unix://path`
     *
     * @throws RelayException for any other form
     */
    public static function create(string $address): RelayInterface
    {
        $address = trim($address);
        if ($address === self::PIPES) {
            return new StreamRelay(self::stdio('STDIN', 'php://stdin', 'rb'), self::stdio('STDOUT', 'php://stdout', 'wb'));
        }
        if (str_starts_with($address, 'tcp://') || str_starts_with($address, 'unix://')) {
            return new SocketRelay($address); // validates host:port / path itself
        }

        throw new RelayException("Unsupported relay address '$address' (expected pipes, tcp://host:port or unix://path)");
    }

    /**
     * The CLI predefines STDIN/STDOUT; other SAPIs do not, so fall back to opening them.
     *
     * @return resource
     */
    private static function stdio(string $constant, string $url, string $mode)
    {
        if (defined($constant)) {
            return constant($constant);
        }
        $stream = fopen($url, $mode);
        if ($stream === false) {
            throw new RelayException("Unable to open $url");
        }

        return $stream;
    }
}
