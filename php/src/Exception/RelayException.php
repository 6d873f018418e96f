<?php

declare(strict_types=1);

namespace Courser\Exception;

/** Transport failure: bad relay address, connect failure, the peer closed the relay, a write failed. */
final class RelayException extends \RuntimeException implements CourserException
{
}
