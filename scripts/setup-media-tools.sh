#!/usr/bin/env bash
# Installs ffmpeg/ffprobe (Debian packages), which echod uses to probe videos and audio and to draw video
# thumbnails. Optional at run time: without them echod logs one line and keeps what the client sent.
# Idempotent: does nothing when both binaries are already on PATH.
set -euo pipefail
if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then
  echo "setup-media-tools: ffmpeg and ffprobe present"
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-media-tools: ffmpeg/ffprobe missing; install the ffmpeg package (as root: apt-get install ffmpeg)." \
    "Media tests that need them will skip."
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends ffmpeg >/dev/null 2>&1; then
  # The package lists may be stale or absent on a fresh machine.
  if ! { apt-get update -qq && apt-get install -y --no-install-recommends ffmpeg >/dev/null; }; then
    echo "setup-media-tools: installing ffmpeg failed; media tests that need it will skip."
    exit 0
  fi
fi
echo "setup-media-tools: installed $(ffmpeg -version | head -n 1)"
