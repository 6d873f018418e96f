<?php

/*
 * `npm run bench -- --profile`: the PHP half of the profile. Loaded into each Courser worker with
 * `-d auto_prepend_file=…`, it samples the worker's CPU time with Excimer (Debian's php-excimer).
 * When the worker stops it writes php-<pid>.collapsed into COURSER_BENCH_PROFILE_DIR: the stacks
 * (collapsed format: speedscope, flamegraph.pl) sampled inside the measured window (window.json in
 * the same directory, written by the benchmark: microseconds of the monotonic clock, the one node's
 * process.hrtime and V8's profiles use).
 * Outside a profiling run (no directory, or no Excimer) it does nothing.
 */

declare(strict_types=1);

(static function (): void {
    $dir = getenv('COURSER_BENCH_PROFILE_DIR');
    if ($dir === false || $dir === '' || !class_exists(ExcimerProfiler::class, false)) {
        return;
    }
    $period = 0.001;
    $profiler = new ExcimerProfiler();
    // Excimer's timestamps count from the profiler's construction.
    $bornUs = hrtime(true) / 1000;
    // CPU time, not wall time: a worker waiting for its next request is not sampled.
    $profiler->setEventType(EXCIMER_CPU);
    $profiler->setPeriod($period);
    $profiler->start();
    register_shutdown_function(static function () use ($profiler, $dir, $bornUs): void {
        $profiler->stop();
        $window = @file_get_contents($dir . '/window.json');
        $window = $window === false ? null : json_decode($window, true, 4, JSON_THROW_ON_ERROR);
        $stacks = [];
        foreach ($profiler->getLog() as $entry) {
            $at = $bornUs + $entry->getTimestamp() * 1e6;
            if ($window !== null && ($at < $window['fromUs'] || $at > $window['toUs'])) {
                continue;
            }
            $names = [];
            // Leaf first, as debug_backtrace().
            foreach ($entry->getTrace() as $frame) {
                $names[] = isset($frame['function'])
                    ? (isset($frame['class']) ? $frame['class'] . '::' : '') . $frame['function']
                    : ($frame['file'] ?? '?');
            }
            $stack = implode(';', array_reverse($names));
            $stacks[$stack] = ($stacks[$stack] ?? 0) + $entry->getEventCount();
        }
        $collapsed = '';
        foreach ($stacks as $stack => $count) {
            $collapsed .= $stack . ' ' . $count . "\n";
        }
        file_put_contents(rtrim($dir, '/') . '/php-' . getmypid() . '.collapsed', $collapsed);
    });
})();
