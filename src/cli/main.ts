import { runCli } from './program';
import { installSignalHandlers } from './signals';

installSignalHandlers();
runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
