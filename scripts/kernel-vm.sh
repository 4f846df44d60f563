#!/bin/bash
# kernel-vm.sh [-o OUTDIR] [-w DIR]... -- COMMAND...
#
# Runs COMMAND as root inside a throwaway VM whose kernel does ESP (Debian's linux-image-amd64: esp4/esp6, AH,
# GCM...), for the tests of the kernel data plane: this machine's kernel may not take ESP SAs, a router's does.
#
# Inside the VM:
# - this machine's whole filesystem is visible read-only (9p), with fresh tmpfs on /tmp /run /var/tmp /root;
# - OUTDIR (default: a new directory under /var/cache/kernel-vm, printed) is writable at the same path;
# - each DIR given with -w is writable too (an overlay: its files as they are, what the VM writes is kept in memory
#   and lost at the end), e.g. the repository, where vite and vitest write caches;
# - the working directory carries over, and the variables named in VM_ENV (plus CI and LOG_LEVEL) are exported;
# - COMMAND's exit status is this script's; its output is printed when the VM ends (also kept in OUTDIR/vm.log).
#
# Software emulation (qemu TCG, no KVM needed): ~30 s to boot and several times slower than the host, so it is for
# functional tests, not timings. Limits: VM_TIMEOUT seconds (default 900; the VM is killed, exit 124), VM_CPUS
# (default 2), VM_MEM MB (default 3072), VM_CPU (qemu's -cpu). Installs what it needs (qemu-system-x86, linux-image-amd64,
# busybox-static) with apt when missing (as root). It fails loudly when the VM cannot boot: never a silent skip.
set -euo pipefail
OUT=""
WRITABLE=()
while [ $# -gt 0 ]; do
  case $1 in
    -o) OUT=$2; shift 2 ;;
    -w) WRITABLE+=("$(cd "$2" && pwd)"); shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [-o OUTDIR] [-w DIR]... -- COMMAND..." >&2; exit 2; }

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
ls /boot/vmlinuz-* >/dev/null 2>&1 || need+=(linux-image-amd64)
command -v busybox >/dev/null || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  echo "kernel-vm: installing ${need[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
KIMG=$(ls /boot/vmlinuz-* | sort -V | tail -1)
KVER=${KIMG#/boot/vmlinuz-}

mkdir -p /var/cache/kernel-vm
OUT=${OUT:-$(mktemp -d -p /var/cache/kernel-vm out.XXXXXX)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d -p /var/cache/kernel-vm run.XXXXXX)
trap '[ -n "${VM_KEEP:-}" ] || rm -rf "$WORK"' EXIT

# The initramfs: busybox and the virtio/9p modules (with their dependencies, in load order); it mounts this
# machine's root read-only and switches to it. cache=loose: the guest caches what it read (node_modules is many
# small files; uncached 9p made starting the agent take minutes), and does not see later changes on the host.
mkdir -p "$WORK/initrd"/{bin,newroot,proc,sys,dev,mods}
cp "$(command -v busybox)" "$WORK/initrd/bin/"
load_order=""
add_module() {
  local dep
  for dep in $(modinfo -k "$KVER" -F depends "$1" | tr ',' ' '); do add_module "$dep"; done
  case " $load_order " in *" $1 "*) ;; *) load_order="$load_order $1" ;; esac
}
for m in virtio_pci 9pnet_virtio 9p; do add_module "$m"; done
for m in $load_order; do
  f=$(modinfo -k "$KVER" -n "$m")
  case $f in
    *.ko) cp "$f" "$WORK/initrd/mods/$m.ko" ;;
    *.ko.xz) xz -dc "$f" >"$WORK/initrd/mods/$m.ko" ;;
    *.ko.zst) zstd -dcq "$f" >"$WORK/initrd/mods/$m.ko" ;;
  esac
done
cat >"$WORK/initrd/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $load_order; do [ -f /mods/\$m.ko ] && insmod /mods/\$m.ko; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose host /newroot || exec sh
exec switch_root /newroot $WORK/guest.sh
INIT
chmod +x "$WORK/initrd/init"
(cd "$WORK/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip >"$WORK/initrd.gz")

# What the guest runs: the command line and the exported variables, quoted for sh.
{
  for name in CI LOG_LEVEL ${VM_ENV:-}; do
    [ -n "${!name+x}" ] && printf 'export %s=%q\n' "$name" "${!name}"
  done
  printf 'cd %q 2>/dev/null || cd /\n' "$PWD"
  printf '%q ' "$@"
  echo
} >"$WORK/cmd.sh"
printf '%s\n' "${WRITABLE[@]}" >"$WORK/writable"
cat >"$WORK/guest.sh" <<GUEST
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs shm /dev/shm
# /run/host: this machine's tree as it is, before the fresh tmpfs below hide parts of it (the repository may be a
# clone under /tmp, as CI's is): the writable overlays and the working directory are taken from there.
mount -t tmpfs tmpfs /run; mkdir -p /run/host; mount --bind / /run/host
for d in /tmp /var/tmp /root; do mount -t tmpfs tmpfs \$d; done
i=0; while read -r d; do [ -n "\$d" ] || continue; i=\$((i+1)); mkdir -p /run/overlay/\$i/up /run/overlay/\$i/work "\$d"
  mount -t overlay overlay -o lowerdir="/run/host\$d",upperdir=/run/overlay/\$i/up,workdir=/run/overlay/\$i/work "\$d" \
    || echo "kernel-vm: cannot make \$d writable" >&2; done < $WORK/writable
[ -d $(printf '%q' "$PWD") ] || { mkdir -p $(printf '%q' "$PWD") && mount --bind /run/host$(printf '%q' "$PWD") $(printf '%q' "$PWD"); }
mkdir -p $OUT; mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out $OUT
for m in esp4 esp6 ah4 ah6 xfrm_user xfrm_interface xfrm4_tunnel xfrm6_tunnel tun veth nf_tables nft_masq \
  nft_nat nft_chain_nat iptable_nat xt_MASQUERADE; do modprobe \$m 2>/dev/null; done
ip link set lo up
HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh $WORK/cmd.sh > $OUT/vm.log 2>&1
echo \$? > $OUT/.vm-status
sync; echo o > /proc/sysrq-trigger
GUEST
chmod +x "$WORK/guest.sh"
rm -f "$OUT/.vm-status" "$OUT/vm.log"

status=0
# The CPU: AES-NI and PCLMUL for the kernel's ESP, no AVX: under qemu 7.2's TCG, `-cpu max` (AVX/AVX2) crashed
# node's WebAssembly now and then ("memory access out of bounds" in tsx's lexer while the agent started).
timeout "${VM_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg,thread=multi -smp "${VM_CPUS:-2}" \
  -cpu "${VM_CPU:-qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt,+aes,+pclmulqdq}" \
  -m "${VM_MEM:-3072}" -kernel "$KIMG" -initrd "$WORK/initrd.gz" -append "console=ttyS0 quiet panic=-1" \
  -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
  -virtfs local,path="$OUT",mount_tag=out,security_model=none \
  -nographic -no-reboot >"$WORK/console" 2>&1 || status=$?
cat "$OUT/vm.log" 2>/dev/null || true
if [ $status -eq 124 ]; then
  echo "kernel-vm: the VM was stopped after VM_TIMEOUT=${VM_TIMEOUT:-900} s; console tail:" >&2
  tail -20 "$WORK/console" >&2
  exit 124
fi
if [ -f "$OUT/.vm-status" ]; then
  st=$(cat "$OUT/.vm-status")
  rm -f "$OUT/.vm-status"
  exit "$st"
fi
echo "kernel-vm: the VM did not finish (qemu exit $status); console tail:" >&2
tail -20 "$WORK/console" >&2
exit 1
