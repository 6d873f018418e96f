<?php

declare(strict_types=1);

namespace Courser\Exception;

/**
 * The bytes received are not a valid goridge frame (bad CRC, version, header length ...).
 *
 * RoadRunner's PHP library trusts whatever arrives; we verify, because a mis-parsed frame would
 * otherwise silently desynchronise the relay and every later request.
 */
final class FrameException extends \UnexpectedValueException implements CourserException
{
}
