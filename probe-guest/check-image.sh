#!/usr/bin/env bash
# check-image.sh IMG [ELF] - verify the probe image's Linux boot header and
# entry points. Run by the Makefile after every build. Needs bash, od, nm.
set -euo pipefail

img=$1
elf=${2:-}
fail=0

rd() { # rd OFFSET SIZE -> unsigned decimal (little endian)
	od -An -v -t u"$2" -j "$1" -N "$2" "$img" | tr -d ' '
}
expect() { # expect NAME OFFSET SIZE VALUE
	local got
	got=$(rd "$2" "$3")
	if [ "$got" != "$(($4))" ]; then
		printf 'check-image: %s at 0x%x = 0x%x, expected 0x%x\n' "$1" "$2" "$got" "$(($4))" >&2
		fail=1
	fi
}

size=$(stat -c %s "$img")
if [ "$size" -le 1024 ]; then
	echo "check-image: $img is only $size bytes" >&2
	exit 1
fi
payload=$((size - 1024))

expect setup_sects        0x1f1 1 1
expect syssize            0x1f4 4 "($payload + 15) / 16"
expect boot_flag          0x1fe 2 0xaa55
expect jump_opcode        0x200 1 0xeb
expect jump_target        0x201 1 "0x26c - 0x202"
expect header_HdrS        0x202 4 0x53726448
expect version            0x206 2 0x020f
expect type_of_loader     0x210 1 0
expect loadflags          0x211 1 0x01
expect code32_start       0x214 4 0x100000
expect initrd_addr_max    0x22c 4 0x7fffffff
expect kernel_alignment   0x230 4 0x200000
expect relocatable_kernel 0x234 1 0
expect xloadflags         0x236 2 0x0003
expect cmdline_size       0x238 4 2047
expect pref_address       0x258 8 0x100000
expect startup_32_cli_hlt 0x400 2 0xf4fa
expect startup_64_cli_cld 0x600 2 0xfcfa

init_size=$(rd 0x260 4)
if [ $((init_size % 4096)) -ne 0 ] || [ "$init_size" -lt "$payload" ]; then
	echo "check-image: init_size $init_size is not a 4 KiB multiple >= payload $payload" >&2
	fail=1
fi
if [ $((payload % 16)) -ne 0 ]; then
	echo "check-image: payload $payload is not a multiple of 16" >&2
	fail=1
fi

if [ -n "$elf" ]; then
	sym() { nm "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
	s64=$(sym startup_64)
	end=$(sym _end)
	if [ $((s64)) -ne $((0x100200)) ]; then
		printf 'check-image: startup_64 at %s, expected 0x100200\n' "$s64" >&2
		fail=1
	fi
	if [ "$init_size" -ne $(( (end - 0x100000 + 0xfff) & ~0xfff )) ]; then
		printf 'check-image: init_size 0x%x does not cover _end %s\n' "$init_size" "$end" >&2
		fail=1
	fi
fi

exit $fail
