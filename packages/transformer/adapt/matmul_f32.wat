;; Float32 matrix product for the adaptation step's tfjs backend (see tf_backend.ts):
;;   C[n × m] = A[n × k] · B[k × m], row-major, all addresses are byte offsets into memory 0.
;; Blocked over k (kc rows at a time, C accumulated across blocks) and over 8-column panels of B,
;; each packed into a contiguous scratch buffer `ws` (kc × 8 floats) so that the 4 × 8 micro-kernel
;; reads B from L1 without cache-set aliasing. Accumulation is f32 (mul then add, no FMA).
;; Columns beyond the last full panel of 8 are done by a scalar loop.
(module
  (memory (import "env" "memory") 1)

  ;; C[i0 .. i0+4, j0 .. j0+8] (+)= A[i0 .. i0+4, k0 .. k0+kc] · P   (P = packed kc × 8 panel)
  (func $kernel4x8 (param $pa i32) (param $k i32) (param $pp i32) (param $kc i32)
                   (param $pc i32) (param $m i32) (param $acc i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128)
    (local $kk i32) (local $rs i32) (local $cs i32) (local $p i32) (local $a i32)
    (local.set $rs (i32.shl (local.get $k) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $m) (i32.const 2)))
    (if (local.get $acc)
      (then
        (local.set $p (local.get $pc))
        (local.set $c00 (v128.load (local.get $p)))
        (local.set $c01 (v128.load offset=16 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (local.get $cs)))
        (local.set $c10 (v128.load (local.get $p)))
        (local.set $c11 (v128.load offset=16 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (local.get $cs)))
        (local.set $c20 (v128.load (local.get $p)))
        (local.set $c21 (v128.load offset=16 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (local.get $cs)))
        (local.set $c30 (v128.load (local.get $p)))
        (local.set $c31 (v128.load offset=16 (local.get $p)))))
    (local.set $p (local.get $pp))
    (local.set $a (local.get $pa))
    (local.set $kk (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $kk) (local.get $kc)))
        (local.set $b0 (v128.load (local.get $p)))
        (local.set $b1 (v128.load offset=16 (local.get $p)))
        (local.set $av (f32x4.splat (f32.load (local.get $a))))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
        (local.set $av (f32x4.splat (f32.load (i32.add (local.get $a) (local.get $rs)))))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
        (local.set $av (f32x4.splat (f32.load (i32.add (local.get $a)
          (i32.shl (local.get $rs) (i32.const 1))))))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
        (local.set $av (f32x4.splat (f32.load (i32.add (local.get $a)
          (i32.mul (local.get $rs) (i32.const 3))))))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
        (br $next)))
    (local.set $p (local.get $pc))
    (v128.store (local.get $p) (local.get $c00))
    (v128.store offset=16 (local.get $p) (local.get $c01))
    (local.set $p (i32.add (local.get $p) (local.get $cs)))
    (v128.store (local.get $p) (local.get $c10))
    (v128.store offset=16 (local.get $p) (local.get $c11))
    (local.set $p (i32.add (local.get $p) (local.get $cs)))
    (v128.store (local.get $p) (local.get $c20))
    (v128.store offset=16 (local.get $p) (local.get $c21))
    (local.set $p (i32.add (local.get $p) (local.get $cs)))
    (v128.store (local.get $p) (local.get $c30))
    (v128.store offset=16 (local.get $p) (local.get $c31)))

  ;; C[i0, j0 .. j0+8] (+)= A[i0, k0 .. k0+kc] · P
  (func $kernel1x8 (param $pa i32) (param $pp i32) (param $kc i32) (param $pc i32) (param $acc i32)
    (local $c0 v128) (local $c1 v128) (local $av v128) (local $kk i32) (local $p i32) (local $a i32)
    (if (local.get $acc)
      (then
        (local.set $c0 (v128.load (local.get $pc)))
        (local.set $c1 (v128.load offset=16 (local.get $pc)))))
    (local.set $p (local.get $pp))
    (local.set $a (local.get $pa))
    (local.set $kk (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $kk) (local.get $kc)))
        (local.set $av (f32x4.splat (f32.load (local.get $a))))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $av) (v128.load (local.get $p)))))
        (local.set $c1 (f32x4.add (local.get $c1)
          (f32x4.mul (local.get $av) (v128.load offset=16 (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
        (br $next)))
    (v128.store (local.get $pc) (local.get $c0))
    (v128.store offset=16 (local.get $pc) (local.get $c1)))

  ;; C = A · B for `batch` products; A, B, C advance by aStride, bStride, cStride bytes per product
  ;; (0 = broadcast). ws must hold kcMax × 8 floats (kcMax = 256).
  (func (export "mm_f32")
        (param $a0 i32) (param $b0 i32) (param $c0 i32)
        (param $batch i32) (param $n i32) (param $k i32) (param $m i32)
        (param $as i32) (param $bs i32) (param $cs i32) (param $ws i32)
    (local $bi i32) (local $a i32) (local $b i32) (local $c i32)
    (local $k0 i32) (local $kc i32) (local $j0 i32) (local $i i32) (local $kk i32) (local $jj i32)
    (local $m8 i32) (local $acc i32) (local $src i32) (local $dst i32) (local $s f32)
    (local.set $m8 (i32.and (local.get $m) (i32.const -8)))
    (local.set $bi (i32.const 0))
    (block $batches_done
      (loop $batches
        (br_if $batches_done (i32.ge_u (local.get $bi) (local.get $batch)))
        (local.set $a (i32.add (local.get $a0) (i32.mul (local.get $bi) (local.get $as))))
        (local.set $b (i32.add (local.get $b0) (i32.mul (local.get $bi) (local.get $bs))))
        (local.set $c (i32.add (local.get $c0) (i32.mul (local.get $bi) (local.get $cs))))
        ;; k = 0: C must start from zero.
        (if (i32.eqz (local.get $k))
          (then (memory.fill (local.get $c) (i32.const 0)
            (i32.shl (i32.mul (local.get $n) (local.get $m)) (i32.const 2)))))
        (local.set $k0 (i32.const 0))
        (block $kdone
          (loop $kblocks
            (br_if $kdone (i32.ge_u (local.get $k0) (local.get $k)))
            (local.set $kc (i32.sub (local.get $k) (local.get $k0)))
            (if (i32.gt_u (local.get $kc) (i32.const 256)) (then (local.set $kc (i32.const 256))))
            (local.set $acc (i32.ne (local.get $k0) (i32.const 0)))
            ;; Full 8-column panels.
            (local.set $j0 (i32.const 0))
            (block $jdone
              (loop $panels
                (br_if $jdone (i32.ge_u (local.get $j0) (local.get $m8)))
                ;; Pack B[k0 .. k0+kc, j0 .. j0+8] into ws.
                (local.set $src (i32.add (local.get $b)
                  (i32.shl (i32.add (i32.mul (local.get $k0) (local.get $m)) (local.get $j0))
                           (i32.const 2))))
                (local.set $dst (local.get $ws))
                (local.set $kk (i32.const 0))
                (block $pdone
                  (loop $pack
                    (br_if $pdone (i32.ge_u (local.get $kk) (local.get $kc)))
                    (v128.store (local.get $dst) (v128.load (local.get $src)))
                    (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                    (local.set $src (i32.add (local.get $src) (i32.shl (local.get $m) (i32.const 2))))
                    (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                    (br $pack)))
                (local.set $i (i32.const 0))
                (block $idone
                  (loop $rows4
                    (br_if $idone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $n)))
                    (call $kernel4x8
                      (i32.add (local.get $a)
                        (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $k0))
                                 (i32.const 2)))
                      (local.get $k) (local.get $ws) (local.get $kc)
                      (i32.add (local.get $c)
                        (i32.shl (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $j0))
                                 (i32.const 2)))
                      (local.get $m) (local.get $acc))
                    (local.set $i (i32.add (local.get $i) (i32.const 4)))
                    (br $rows4)))
                (block $rdone
                  (loop $rows1
                    (br_if $rdone (i32.ge_u (local.get $i) (local.get $n)))
                    (call $kernel1x8
                      (i32.add (local.get $a)
                        (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $k0))
                                 (i32.const 2)))
                      (local.get $ws) (local.get $kc)
                      (i32.add (local.get $c)
                        (i32.shl (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $j0))
                                 (i32.const 2)))
                      (local.get $acc))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $rows1)))
                (local.set $j0 (i32.add (local.get $j0) (i32.const 8)))
                (br $panels)))
            ;; Remaining columns, scalar.
            (local.set $i (i32.const 0))
            (block $tdone
              (loop $trows
                (br_if $tdone (i32.ge_u (local.get $i) (local.get $n)))
                (local.set $jj (local.get $m8))
                (block $tcdone
                  (loop $tcols
                    (br_if $tcdone (i32.ge_u (local.get $jj) (local.get $m)))
                    (local.set $dst (i32.add (local.get $c)
                      (i32.shl (i32.add (i32.mul (local.get $i) (local.get $m)) (local.get $jj))
                               (i32.const 2))))
                    (local.set $s (f32.const 0))
                    (if (local.get $acc) (then (local.set $s (f32.load (local.get $dst)))))
                    (local.set $src (i32.add (local.get $a)
                      (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $k0))
                               (i32.const 2))))
                    (local.set $kk (i32.const 0))
                    (block $sdone
                      (loop $sum
                        (br_if $sdone (i32.ge_u (local.get $kk) (local.get $kc)))
                        (local.set $s (f32.add (local.get $s)
                          (f32.mul (f32.load (local.get $src))
                            (f32.load (i32.add (local.get $b)
                              (i32.shl (i32.add (i32.mul (i32.add (local.get $k0) (local.get $kk))
                                                         (local.get $m))
                                                (local.get $jj))
                                       (i32.const 2)))))))
                        (local.set $src (i32.add (local.get $src) (i32.const 4)))
                        (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                        (br $sum)))
                    (f32.store (local.get $dst) (local.get $s))
                    (local.set $jj (i32.add (local.get $jj) (i32.const 1)))
                    (br $tcols)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $trows)))
            (local.set $k0 (i32.add (local.get $k0) (local.get $kc)))
            (br $kblocks)))
        (local.set $bi (i32.add (local.get $bi) (i32.const 1)))
        (br $batches)))))
