<?php

declare(strict_types=1);

// Loads the Courser worker library without Composer: `require __DIR__ . '/php/autoload.php';`.
// Maps `Courser\Foo\Bar` to `src/Foo/Bar.php` (PSR-4), the same mapping composer.json declares.
spl_autoload_register(static function (string $class): void {
    $prefix = 'Courser\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
