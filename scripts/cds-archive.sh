#!/usr/bin/env bash
# Makes the class-data sharing archive aiofs starts with: runs every command's start-up path
# once (`aiofs train-startup`, a real mount too when root with /dev/fuse) recording the classes
# it loads, then dumps them, JDK classes included, into ARCHIVE. The archive only fits the
# jar and JVM it was made with; the JVM ignores one that does not (and starts slower).
# The same run unpacks jnr-ffi's native stub into jni/ beside ARCHIVE (the launcher points
# jffi there, which otherwise copies it into /tmp at every start).
# Used by ./aiofs after each build, and by the Debian package at install time.
# Usage: cds-archive.sh JAVA JAR ARCHIVE
set -euo pipefail
java="$1" jar="$2" archive="$3"
work="$(mktemp -d "${TMPDIR:-/tmp}/aiofs-cds.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mount=()
if [[ $(id -u) == 0 && -c /dev/fuse ]]; then
    mount=(--mount)
fi
timeout 300 "$java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:DumpLoadedClassList="$work/classes" \
    -cp "$jar" org.aiofs.fs.cli.AiofsCommand train-startup "${mount[@]}" \
    --native-dir "$(dirname "$archive")/jni" "$work" >/dev/null 2>&1 || true
"$java" -Xshare:dump -XX:SharedClassListFile="$work/classes" -XX:SharedArchiveFile="$work/archive.jsa" \
    -cp "$jar" >/dev/null
mv -f "$work/archive.jsa" "$archive"
