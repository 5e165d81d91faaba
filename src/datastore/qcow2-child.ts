/**
 * Copy-on-write child disks: an empty qcow2 image whose backing file is a base disk
 * (vmserverd CreateCOWDisk). Reads fall through to the base, writes land in the child, the
 * base is never written. The image is what `qemu-img create -f qcow2 -b BASE -F FMT` makes:
 * qcow2 version 2 with 64 KiB clusters, the backing format in a header extension, an
 * empty L1 table and a refcount table whose one block counts the image's own clusters.
 * The base's format is read from its first bytes: qcow2, VMware sparse (`KDMV`), a VMware
 * text descriptor, else raw (the sim driver's sparse files).
 */
import { open } from 'node:fs/promises';

export type BaseDiskFormat = 'qcow2' | 'vmdk' | 'raw';

const CLUSTER_BITS = 16;
const CLUSTER = 1 << CLUSTER_BITS;
const HEADER_V2_BYTES = 72;
const EXT_BACKING_FORMAT = 0xe2792aca;
/** Guest bytes one L1 entry covers: an L2 table of CLUSTER/8 entries, one cluster each. */
const L1_ENTRY_SPAN = (CLUSTER / 8) * CLUSTER;
/** Refcount entries (16 bits) in one refcount block. */
const REFCOUNTS_PER_BLOCK = CLUSTER / 2;

/** The base's format and virtual size (bytes the guest sees), from its first bytes. */
export async function probeBaseDisk(path: string): Promise<{ format: BaseDiskFormat; virtualSize: number }> {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const b = head.subarray(0, bytesRead);
    if (b.length >= 32 && b.readUInt32BE(0) === 0x514649fb) return { format: 'qcow2', virtualSize: Number(b.readBigUInt64BE(24)) };
    if (b.length >= 20 && b.toString('latin1', 0, 4) === 'KDMV') return { format: 'vmdk', virtualSize: Number(b.readBigUInt64LE(12)) * 512 };
    const text = b.toString('latin1');
    if (text.startsWith('# Disk DescriptorFile')) {
      let sectors = 0;
      for (const m of text.matchAll(/^(?:RW|RDONLY|NOACCESS)\s+(\d+)\s/gm)) sectors += Number(m[1]);
      return { format: 'vmdk', virtualSize: sectors * 512 };
    }
    return { format: 'raw', virtualSize: st.size };
  } finally {
    await fh.close();
  }
}

/**
 * The bytes of an empty qcow2 child of `backing` (a path relative to the child's folder,
 * as qemu resolves it) whose base is `format` and `virtualSize` bytes.
 */
export function qcow2ChildImage(backing: string, format: BaseDiskFormat, virtualSize: number): Buffer {
  const name = Buffer.from(backing, 'utf8');
  if (name.length === 0 || name.length > 1023) throw new RangeError('the backing file name must be 1 to 1023 bytes');
  if (!Number.isSafeInteger(virtualSize) || virtualSize <= 0) throw new RangeError('the base disk has no size');
  const fmt = Buffer.from(format, 'latin1');
  const extLen = 8 + Math.ceil(fmt.length / 8) * 8 + 8; // backing format, padded; then the end marker
  const backingOffset = HEADER_V2_BYTES + extLen;
  if (backingOffset + name.length > CLUSTER) throw new RangeError('the header does not fit in one cluster');
  const l1Size = Math.ceil(virtualSize / L1_ENTRY_SPAN);
  const l1Clusters = Math.max(1, Math.ceil((l1Size * 8) / CLUSTER));
  // Layout: header cluster, L1 clusters, refcount table cluster, refcount block cluster.
  const l1Offset = CLUSTER;
  const refTableOffset = l1Offset + l1Clusters * CLUSTER;
  const refBlockOffset = refTableOffset + CLUSTER;
  const clusters = 1 + l1Clusters + 2;
  if (clusters > REFCOUNTS_PER_BLOCK) throw new RangeError('the disk is too large for one refcount block');
  const img = Buffer.alloc(clusters * CLUSTER);
  img.writeUInt32BE(0x514649fb, 0); // 'QFI\xfb'
  img.writeUInt32BE(2, 4); // version
  img.writeBigUInt64BE(BigInt(backingOffset), 8);
  img.writeUInt32BE(name.length, 16);
  img.writeUInt32BE(CLUSTER_BITS, 20);
  img.writeBigUInt64BE(BigInt(virtualSize), 24);
  img.writeUInt32BE(0, 32); // no encryption
  img.writeUInt32BE(l1Size, 36);
  img.writeBigUInt64BE(BigInt(l1Offset), 40);
  img.writeBigUInt64BE(BigInt(refTableOffset), 48);
  img.writeUInt32BE(1, 56); // refcount table clusters
  img.writeUInt32BE(0, 60); // snapshots
  img.writeBigUInt64BE(0n, 64);
  let p = HEADER_V2_BYTES;
  img.writeUInt32BE(EXT_BACKING_FORMAT, p);
  img.writeUInt32BE(fmt.length, p + 4);
  fmt.copy(img, p + 8);
  p += 8 + Math.ceil(fmt.length / 8) * 8;
  img.writeUInt32BE(0, p); // end of extensions
  img.writeUInt32BE(0, p + 4);
  name.copy(img, backingOffset);
  img.writeBigUInt64BE(BigInt(refBlockOffset), refTableOffset);
  for (let i = 0; i < clusters; i++) img.writeUInt16BE(1, refBlockOffset + i * 2);
  return img;
}
