// A process that uses a sandbox and gets killed by tests/connectors/sandbox.test.ts: it runs a
// task that never ends and waits (the test kills this process with SIGKILL, as `portal serve`
// kills a harvest past its deadline, and checks that the sandbox process goes too).
import { Sandbox } from '../../connectors/sandbox.ts';

const tasks = new URL('./sandbox-tasks.ts', import.meta.url).href;
const sandbox = new Sandbox({ preload: [tasks] });
await sandbox.run({ module: tasks, fn: 'helperThenSpin', input: Buffer.alloc(1), args: { pidFile: process.argv[2] } }, { timeMs: 600_000, memoryBytes: 512 * 1024 * 1024 });
