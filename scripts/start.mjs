// Builds and packages the extension, then shows the store's status through the CLI.
import { ensureDependencies, root, run } from './lib.mjs';

ensureDependencies();
run('npm', ['run', '--silent', 'package']);
console.log(`\nPackaged: ${root}/dist/session-buddy.vsix\n`);
run(process.execPath, ['dist/cli.js', 'status']);
