<?php

declare(strict_types=1);

namespace Courser;

/** Reads the variables the server sets for its workers (RR_RELAY, RR_MODE, RR_RPC, RR_VERSION). */
final class Environment
{
    public const DEFAULT_RELAY = 'pipes';
    public const DEFAULT_RPC = 'tcp://127.0.0.1:6001';

    /**
     * getenv() first; then $_SERVER and $_ENV, which may be the only place a value is visible
     * (e.g. variables_order without "E", or values injected by a test or a runtime).
     */
    public static function get(string $name, ?string $default = null): ?string
    {
        $value = getenv($name);
        if ($value === false || $value === '') {
            $value = $_SERVER[$name] ?? $_ENV[$name] ?? null;
        }

        return is_scalar($value) && (string) $value !== '' ? (string) $value : $default;
    }

    public static function relayAddress(): string
    {
        return self::get('RR_RELAY', self::DEFAULT_RELAY) ?? self::DEFAULT_RELAY;
    }

    /** RR_RPC: where the server's RPC listens (set when `rpc.listen` is configured). */
    public static function rpcAddress(): string
    {
        return self::get('RR_RPC', self::DEFAULT_RPC) ?? self::DEFAULT_RPC;
    }

    /** `http`, `jobs`, ... ('' when not run by the server). */
    public static function mode(): string
    {
        return self::get('RR_MODE', '') ?? '';
    }
}
