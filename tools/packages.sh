#!/usr/bin/env bash
# The one place that installs Debian packages for Junction, from tools/packages.list (tool, package,
# groups), and the check that the list is true.
#
#   tools/packages.sh need GROUP|TOOL...    install the packages of the tools that are missing (root),
#                                           then fail unless every one of those tools is there
#   tools/packages.sh check [--list FILE]   check every entry: an installed tool against dpkg's record
#                                           of the file, a missing one against its package's file list
#                                           (apt-get download, cached); and that no other script or
#                                           test runs apt-get install of its own
#   tools/packages.sh package TOOL          print the package the list gives for TOOL
#
# Scripts source nothing from here: they call it. Exit 0 when all is well, 1 with one line per
# problem otherwise, 2 for a bad call.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
LIST=$HERE/packages.list
OWN_LIST=$LIST
CACHE=${JN_PACKAGES_CACHE:-${HOME:-/root}/.cache/junction-packages}
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

say() { echo "packages: $*" >&2; }
usage() {
    echo "usage: tools/packages.sh need GROUP|TOOL... | check [--list FILE] | package TOOL" >&2
    exit 2
}

# The list's entries as "TOOL PACKAGE GROUPS..." lines, comments and blank lines left out.
entries() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LIST"; }

# Where TOOL is on this machine (a file or, for python3:MODULE, the module's folder); nothing if absent.
locate() {
    local tool=$1
    case "$tool" in
        python3:*)
            [ -x /usr/bin/python3 ] || return 1
            /usr/bin/python3 -c "import os, ${tool#python3:} as m; print(os.path.dirname(m.__file__))" 2>/dev/null ;;
        /*) [ -e "$tool" ] && echo "$tool" ;;
        *) command -v "$tool" 2>/dev/null | grep '^/' ;;
    esac
}

# The packages dpkg records as owning PATH. Debian 12 merged /usr but dpkg still records many files
# under /bin and /sbin, so the path is also asked without (and with) its /usr prefix, and last as
# the file an alternatives link (mvn) points to.
owners() {
    local path=$1 candidate out
    for candidate in "$path" "${path#/usr}" "/usr$path" "$(readlink -f "$path")"; do
        out=$(dpkg-query -S "$candidate" 2>/dev/null | grep -v '^diversion' | head -1) || continue
        [ -n "$out" ] || continue
        echo "${out%%: /*}" | tr ',' '\n' | sed -e 's/^ *//' -e 's/:[a-z0-9]*$//'
        return 0
    done
    return 1
}

APT_UPDATED=0
apt_update_once() {
    [ $APT_UPDATED = 1 ] && return 0
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 ||
        say "apt-get update failed (going on with the lists there are)"
    APT_UPDATED=1
}

# The file list of PACKAGE's .deb (fetched once into the cache), for tools that are not installed.
deb_files() {
    local pkg=$1 deb
    mkdir -p "$CACHE"
    deb=$(ls "$CACHE/${pkg}"_*.deb 2>/dev/null | head -1)
    if [ -z "$deb" ]; then
        [ "$(id -u)" = 0 ] && apt_update_once
        (cd "$CACHE" && apt-get download -qq "$pkg" >/dev/null 2>&1) || return 1
        deb=$(ls "$CACHE/${pkg}"_*.deb 2>/dev/null | head -1)
        [ -n "$deb" ] || return 1
    fi
    dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's/^\.//'
}

# Whether a file list (stdin) holds TOOL.
lists_tool() {
    local tool=$1
    case "$tool" in
        python3:*) grep -qE "^/usr/lib/python3/dist-packages/${tool#python3:}/" ;;
        /*) grep -qxE "(/usr)?${tool#/usr}" ;;
        *) grep -qxE "(/usr)?/s?bin/$tool" ;;
    esac
}

# The package that really holds TOOL, from Debian's Contents index (apt-file, installed and updated
# only when a check has found a wrong entry, as root): so a failure names the right package even
# where the tool is not installed.
right_package() {
    local tool=$1 pattern
    [ "$(id -u)" = 0 ] || return 1
    if [ $APT_FILE_READY = 0 ]; then
        (LIST=$OWN_LIST; cmd_need apt-file >/dev/null 2>&1) && timeout 600 apt-file update >/dev/null 2>&1 || return 1
        APT_FILE_READY=1
    fi
    case "$tool" in
        python3:*) pattern="usr/lib/python3/dist-packages/${tool#python3:}/__init__.py\$" ;;
        /*) pattern=${tool#/}; pattern="(usr/)?${pattern#usr/}\$" ;;
        *) pattern="(usr/)?s?bin/$tool\$" ;;
    esac
    # apt-file anchors the pattern at the start of each path itself (paths without the leading /).
    apt-file search -x "$pattern" 2>/dev/null | sed 's/: .*//' | sort -u | paste -sd, -
}
APT_FILE_READY=0

cmd_package() {
    [ $# = 1 ] || usage
    local tool pkg groups
    while read -r tool pkg groups; do
        [ "$tool" = "$1" ] && { echo "$pkg"; return 0; }
    done < <(entries)
    say "$1 is not in $LIST"; return 1
}

cmd_need() {
    [ $# -ge 1 ] || usage
    local want=() missing=() pkgs=() tool pkg groups arg found
    for arg in "$@"; do
        found=0
        while read -r tool pkg groups; do
            if [ "$tool" = "$arg" ] || [[ " $groups " == *" $arg "* ]]; then want+=("$tool $pkg"); found=1; fi
        done < <(entries)
        [ $found = 1 ] || { say "'$arg' is neither a tool nor a group of $LIST"; return 2; }
    done
    local line
    for line in "${want[@]}"; do
        tool=${line% *}; pkg=${line#* }
        locate "$tool" >/dev/null || { missing+=("$tool"); [[ " ${pkgs[*]} " == *" $pkg "* ]] || pkgs+=("$pkg"); }
    done
    [ ${#missing[@]} = 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        say "missing ${missing[*]} (packages ${pkgs[*]}); installing them needs root"
        return 1
    fi
    say "installing ${pkgs[*]} (for ${missing[*]})"
    apt_update_once
    local log; log=$(mktemp)
    if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
            "${pkgs[@]}" >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"
        say "apt-get install ${pkgs[*]} failed"
        return 1
    fi
    rm -f "$log"
    local bad=0
    for tool in "${missing[@]}"; do
        if ! locate "$tool" >/dev/null; then
            local right; right=$(right_package "$tool") || right=""
            say "installed $(cmd_package "$tool") but $tool is still missing: $LIST names the wrong package for it${right:+; $tool is in package $right}"
            bad=1
        fi
    done
    return $bad
}

cmd_check() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --list) [ $# -ge 2 ] || usage; LIST=$2; shift 2 ;;
            *) usage ;;
        esac
    done
    local tool pkg groups path own wrong=0 installed=0 fetched=0 unchecked=0
    while read -r tool pkg groups; do
        # A tool found here but installed by hand (a wrapper in /usr/local/bin, a Maven under /opt)
        # says nothing of the list: the packaged one further down the PATH is checked, or else the
        # package's file list, as for a tool that is missing.
        if path=$(locate "$tool") && ! own=$(owners "$path"); then
            local other shadowed=$path
            path=""
            case "$tool" in
                /*|python3:*) ;;
                *) for other in $(type -aP "$tool" 2>/dev/null); do
                       [ "$other" = "$shadowed" ] && continue
                       own=$(owners "$other") && { path=$other; break; }
                   done ;;
            esac
            say "note: $tool at $shadowed belongs to no Debian package${path:+; checking $path instead}"
        fi
        if [ -n "${path:-}" ]; then
            if grep -qx "$pkg" <<<"$own"; then
                installed=$((installed + 1))
            else
                say "WRONG: $tool ($path) is in package $(echo $own | tr ' ' ','), but $LIST says $pkg"
                wrong=$((wrong + 1))
            fi
        elif files=$(deb_files "$pkg"); then
            if lists_tool "$tool" <<<"$files"; then
                fetched=$((fetched + 1))
            else
                local right; right=$(right_package "$tool") || right=""
                say "WRONG: package $pkg does not hold $tool (its file list has no such file)${right:+; $tool is in package $right}; fix $LIST"
                wrong=$((wrong + 1))
            fi
        elif ! apt-cache show "$pkg" >/dev/null 2>&1; then
            local right; right=$(right_package "$tool") || right=""
            say "WRONG: there is no Debian package $pkg (apt-cache show)${right:+; $tool is in package $right}; fix $LIST"
            wrong=$((wrong + 1))
        else
            say "not checked: $tool is not installed and package $pkg could not be fetched (apt-get download)"
            unchecked=$((unchecked + 1))
        fi
    done < <(entries)
    # Every install goes through this script, so that the list is the one place to be right.
    if command -v git >/dev/null && git -C "$ROOT" rev-parse >/dev/null 2>&1; then
        local stray
        stray=$(git -C "$ROOT" grep -nE 'apt-get([[:space:]]+-[^[:space:]]+)*([[:space:]]+-o[[:space:]]+[^[:space:]]+)*[[:space:]]+install|apt install' \
            -- '*.sh' '*.java' '*.py' junction ':!tools/packages.sh' 2>/dev/null)
        if [ -n "$stray" ]; then
            say "WRONG: these lines install packages themselves; call tools/packages.sh need TOOL instead:"
            echo "$stray" | sed 's/^/    /' >&2
            wrong=$((wrong + 1))
        fi
    fi
    say "$installed tools checked against dpkg, $fetched against their package's files, $unchecked not checked, $wrong wrong"
    [ $wrong = 0 ]
}

[ $# -ge 1 ] || usage
command -v dpkg-query >/dev/null || { say "dpkg-query not found: Junction's scripts need Debian"; exit 1; }
verb=$1; shift
case "$verb" in
    need) cmd_need "$@" ;;
    check) cmd_check "$@" ;;
    package) cmd_package "$@" ;;
    *) usage ;;
esac
