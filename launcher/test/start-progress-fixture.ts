// A component that logs what it is doing, then reports ready only when sent SIGUSR2,
// so a test decides when it is done starting without any timing. The handler is in
// place before the log line: a test signals only once it has seen that line.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGUSR2', () => {
  process.send?.({ type: 'setgate:ready', id: process.argv[2] ?? 'fixture', kind: 'set-runtime', url: 'http://x', adminUrl: 'http://y' });
});
process.stdout.write(`${JSON.stringify({ level: 30, msg: 'replaying the log' })}\n`);
setInterval(() => {}, 1000);
