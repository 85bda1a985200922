# Sourced by tools/baseline-*.sh: a JDK 25 on PATH and JAVA_HOME, Maven's Unsafe warning silenced.
# (The same search as ./junction's: JAVA_HOME first, then /usr/lib/jvm/*.)
jdk_java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

jdk_setup() {
    local candidates=() home v
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    for home in /usr/lib/jvm/*; do candidates+=("$home"); done
    for home in "${candidates[@]}"; do
        if [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ]; then
            v=$(jdk_java_major "$home/bin/java")
            if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
                export JAVA_HOME=$home PATH="$home/bin:$PATH"
                export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
                command -v mvn >/dev/null || { echo "$0: Maven (mvn) is missing" >&2; return 1; }
                return 0
            fi
        fi
    done
    echo "$0: no JDK 25 or newer found (looked at \$JAVA_HOME and /usr/lib/jvm/*)" >&2
    return 1
}
