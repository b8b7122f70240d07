#!/bin/sh
# The project's one npm install, shared by scripts/lib/node-deps.sh (scripts/start, scripts/test) and both
# stages of the Dockerfile, so a machine and the image install the same way. Run it where package.json is;
# extra arguments go to npm (the image's runtime stage passes --omit=dev).
#
# `npm install` against the committed lock (not `npm ci`): registries that serve only this platform's optional
# binaries (@swc/core-*, unrs resolver) make `npm ci` reject a lock that lacks the others.
set -eu
exec npm install --no-audit --no-fund --prefer-offline --loglevel=error "$@"
