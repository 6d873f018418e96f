<?php

declare(strict_types=1);

namespace Courser\Exception;

/** The RPC server answered a call with an error (unknown method, bad argument, the method failed). */
final class ServiceException extends \RuntimeException implements CourserException
{
}
