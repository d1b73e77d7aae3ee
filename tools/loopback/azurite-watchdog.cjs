// Preloaded into the Azurite child (NODE_OPTIONS --require): exit when the test process that
// started it goes away, however that process ended. A test worker killed by a signal runs no
// 'exit' hooks, but its end always closes the IPC channel.
process.on("disconnect", () => process.exit(0));
