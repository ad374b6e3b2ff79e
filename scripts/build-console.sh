#!/usr/bin/env bash
# Builds the clinic console into portal/dist/console/ (scripts/build-front.sh, which the portal's
# build shares: environment and output described there).
exec bash "$(dirname "${BASH_SOURCE[0]}")/build-front.sh" console "$@"
