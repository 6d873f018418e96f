<?php

declare(strict_types=1);

namespace Courser\Exception;

/** Marker implemented by every exception this library throws, so callers can catch them all at once. */
interface CourserException extends \Throwable
{
}
