#!/usr/bin/env bash
# Builds the patient portal into portal/dist/ (scripts/build-front.sh, which the console's build
# shares: environment and output described there).
exec bash "$(dirname "${BASH_SOURCE[0]}")/build-front.sh" portal "$@"
