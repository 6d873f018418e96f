<?php

declare(strict_types=1);

namespace Courser\Exception;

/** A well-formed frame whose content breaks the protocol: unknown control message, bad options, bad context. */
final class ProtocolException extends \UnexpectedValueException implements CourserException
{
}
