// The PHP settings every benchmarked PHP runs with, so php-fpm and Courser's workers compare fairly:
// opcache on, and no stat() of the source files on every request (nothing changes during a run).

/** php-fpm (`php-fpm -d …`) */
export const FPM_INI = ['opcache.enable=1', 'opcache.validate_timestamps=0']

/** php CLI: Courser's workers and bench-dispatch.php (`php -d …`) */
export const CLI_INI = ['opcache.enable_cli=1', 'opcache.validate_timestamps=0']

/**
 * opcache's tracing JIT. It pays off in a process that runs the same code for hours (a Courser
 * worker: PHP CPU per request on `/` about halves) and not in php-fpm, which boots the app on every
 * request (measured slower with it): each server is run both ways, see bench/README.md.
 */
const JIT_ON = ['opcache.jit_buffer_size=64M', 'opcache.jit=tracing']
const JIT_OFF = ['opcache.jit=disable']

/** `ini` with the JIT switched on, or explicitly off (whatever php.ini says). */
export function withJit(ini: readonly string[], jit: boolean): string[] {
  return [...ini, ...(jit ? JIT_ON : JIT_OFF)]
}

/** `-d a -d b` */
export function iniArgs(ini: readonly string[]): string[] {
  return ini.flatMap((d) => ['-d', d])
}
