#!/usr/bin/env node
// The `sedna-storage-initializer` executable.
import { main } from './cli.js';

// The image runs Node 20 on purpose; the AWS SDK's notice about its future Node 22 requirement would
// only crowd the init container's log (whose last lines are the pod's termination message).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
