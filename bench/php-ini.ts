// The PHP settings every benchmarked PHP runs with, so php-fpm and Courser's workers compare fairly:
// opcache on, and no stat() of the source files on every request (nothing changes during a run).

/** php-fpm (`php-fpm -d …`) */
export const FPM_INI = ['opcache.enable=1', 'opcache.validate_timestamps=0']

/** php CLI: Courser's workers and bench-dispatch.php (`php -d …`) */
export const CLI_INI = ['opcache.enable_cli=1', 'opcache.validate_timestamps=0']

/** `-d a -d b` */
export function iniArgs(ini: readonly string[]): string[] {
  return ini.flatMap((d) => ['-d', d])
}
