# Shared by the scripts that fetch Debian packages and build initramfs images (fetch-guest-kernel,
# build-guest-kit, lab/build-l1, lab/run-lab). Source it after setting ME (the name messages
# carry). Scripts that hash themselves into a cache key hash this file too (kit_recipe_hash).

die() {
    echo "$ME: $*" >&2
    exit 1
}
warn() {
    echo "$ME: warning: $*" >&2
}

# The sha256 (12 hex digits) of the given files and this library: a cache key for what they build.
kit_recipe_hash() {
    cat "$@" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12
}

# KEY's value in the Java properties FILE (backslash escapes undone); dies when it is missing.
read_property() { # FILE KEY
    local value
    value=$(sed -n "s/^$2=//p" "$1" | head -n 1)
    [[ -n "$value" ]] || die "$1 has no $2"
    printf '%s' "${value//\\\\/\\}"
}

escape_property() {
    local s=${1//\\/\\\\}
    printf '%s' "$s"
}

# Sets kernel_package, kernel_package_version, kernel_version, bzimage, kernel_root, modules_dir
# and kernel_key from the properties fetch-guest-kernel.sh wrote.
load_kernel_properties() { # FILE
    [[ -f "$1" ]] || die "$1: no such file (run scripts/fetch-guest-kernel.sh first)"
    kernel_package=$(read_property "$1" kernel.package)
    kernel_package_version=$(read_property "$1" kernel.package.version)
    kernel_version=$(read_property "$1" kernel.version)
    bzimage=$(read_property "$1" kernel.bzimage)
    kernel_root=$(read_property "$1" kernel.root)
    [[ -f "$bzimage" ]] || die "$bzimage: no such file (delete $kernel_root and rerun)"
    modules_dir="$kernel_root/lib/modules/$kernel_version"
    [[ -d "$modules_dir" ]] || die "$modules_dir: no such directory (delete $kernel_root and rerun)"
    kernel_key="${kernel_package}_${kernel_package_version//:/%3a}"
}

# apt drops to user _apt, which cannot write to a root-owned cache.
if [[ $(id -u) -eq 0 ]]; then
    apt_download_opts=(-o APT::Sandbox::User=root)
else
    apt_download_opts=()
fi

# Downloads PACKAGE=VERSION into DEB_DIR (unless its .deb is there) and unpacks it into TARGET,
# which gets a .complete file last. apt's and dpkg's output go to LOG. Fails quietly: the
# callers fall back to an older cached copy.
fetch_deb() { # DEB_DIR PACKAGE VERSION TARGET LOG
    local deb_dir=$1 package=$2 version=$3 target=$4 log=$5 deb pattern
    pattern="${package}_${version//:/%3a}_*.deb"
    mkdir -p "$deb_dir"
    deb=$(find "$deb_dir" -maxdepth 1 -name "$pattern" -print -quit)
    if [[ -z "$deb" ]]; then
        (cd "$deb_dir" && apt-get download "${apt_download_opts[@]}" "$package=$version") \
            </dev/null >>"$log" 2>&1 || return 1
        deb=$(find "$deb_dir" -maxdepth 1 -name "$pattern" -print -quit)
        [[ -n "$deb" ]] || return 1
    fi
    rm -rf "$target" "$target.tmp"
    mkdir -p "$target.tmp" || return 1
    dpkg-deb -x "$deb" "$target.tmp" >>"$log" 2>&1 || { rm -rf "$target.tmp"; rm -f "$deb"; return 1; }
    mv "$target.tmp" "$target" || return 1
    touch "$target/.complete"
}

# The newest directory below DIR (two levels down) that holds a .complete file.
newest_complete_dir() { # DIR
    local dir
    dir=$(find "$1" -mindepth 2 -maxdepth 2 -name .complete -printf '%T@ %h\n' 2>/dev/null \
        | sort -rn | head -n 1 | cut -d' ' -f2- || true)
    [[ -n "$dir" ]] && echo "$dir"
}

# Module paths (relative to modules_dir) for the named modules and their dependencies from
# modules.dep, dependencies before their users; built-in modules are skipped. Prints
# "MISSING name" and fails for a module that is neither. Uses kernel_root, kernel_version and
# modules_dir (load_kernel_properties).
resolve_modules() { # MODULE...
    if [[ ! -f "$modules_dir/modules.dep" || "$modules_dir/modules.dep" -ot "$modules_dir/modules.order" ]]; then
        local depmod_log
        depmod_log=$(depmod -b "$kernel_root" "$kernel_version" 2>&1) \
            || { echo "$depmod_log" >&2; die "depmod -b $kernel_root $kernel_version failed"; }
    fi
    awk -v wanted="$*" -v builtin="$modules_dir/modules.builtin" '
        function name(path,   n) { n = path; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n); gsub(/-/, "_", n); return n }
        function visit(n,   i, k, parts) {
            if (n in done) return
            done[n] = 1
            k = split(deps[n], parts, " ")
            for (i = k; i >= 1; i--) visit(name(parts[i]))
            print path[n]
        }
        BEGIN { while ((getline line < builtin) > 0) isbuiltin[name(line)] = 1 }
        {
            sub(/:$/, "", $1)
            n = name($1); path[n] = $1; deps[n] = ""
            for (i = 2; i <= NF; i++) deps[n] = deps[n] " " $i
        }
        END {
            k = split(wanted, w, " ")
            for (i = 1; i <= k; i++) {
                n = w[i]; gsub(/-/, "_", n)
                if (n in path) visit(n)
                else if (!(n in isbuiltin)) { print "MISSING " n; exit 1 }
            }
        }' "$modules_dir/modules.dep"
}

# The start of an initramfs tree in STAGE: the usual directories, busybox from BUSYBOX_DIR with
# a link per applet, and the named modules (with their dependencies, decompressed) in
# lib/modules/, their names in load order in STAGE/LOAD_LIST for /init to insmod.
stage_busybox_and_modules() { # STAGE BUSYBOX_DIR LOAD_LIST MODULE...
    local stage=$1 busybox_dir=$2 load_list=$3 resolved rel n f applet
    shift 3
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc,lib/modules}
    cp "$busybox_dir/bin/busybox" "$stage/bin/busybox"
    while read -r applet; do
        [[ "$applet" == bin/busybox ]] && continue
        [[ -e "$stage/$applet" ]] || ln -s /bin/busybox "$stage/$applet"
    done < <("$stage/bin/busybox" --list-full)
    resolved=$(resolve_modules "$@") \
        || die "module $(sed -n 's/^MISSING //p' <<<"$resolved") is neither in $modules_dir/modules.dep nor built in"
    : >"$stage/$load_list"
    while read -r rel; do
        [[ -n "$rel" ]] || continue
        n=${rel##*/}
        n=${n%%.ko*}
        f="$modules_dir/$rel"
        case "$rel" in
            *.ko) cp "$f" "$stage/lib/modules/$n.ko" ;;
            *.ko.xz) xz -dc "$f" >"$stage/lib/modules/$n.ko" ;;
            *.ko.gz) gzip -dc "$f" >"$stage/lib/modules/$n.ko" ;;
            *.ko.zst) zstd -qdc "$f" >"$stage/lib/modules/$n.ko" || die "cannot decompress $f (zstd)" ;;
            *) die "unexpected module file $rel" ;;
        esac
        echo "$n" >>"$stage/$load_list"
    done <<<"$resolved"
}

# STAGE as an uncompressed cpio newc archive OUT (owned by root, reproducible), followed by
# a second archive holding dev/console (the kernel accepts concatenated archives).
pack_initramfs() { # STAGE OUT
    (cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort \
        | cpio -o -H newc -R 0:0 --reproducible --quiet) >"$2" || die "cpio failed"
    console_archive >>"$2"
}

# A cpio newc archive holding only the character device dev/console (5,1), so that the kernel
# can open the initial console before /init mounts devtmpfs; made here because creating a
# device node on disk would need root.
console_archive() {
    local name="dev/console"
    # magic, ino, mode (020600), uid, gid, nlink, mtime, filesize, dev maj/min, rdev maj/min, namesize, check
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        0x7fff0001 $((0020600)) 0 0 1 0 0 0 0 5 1 $((${#name} + 1)) 0
    printf '%s\0\0\0' "$name" # 110 + 12 bytes, padded to 124
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' 0 0 0 0 1 0 0 0 0 0 0 11 0
    printf 'TRAILER!!!\0\0\0\0' # 110 + 11 bytes, padded to 124
}
