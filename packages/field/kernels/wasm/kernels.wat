;; WebAssembly SIMD kernels for @secp/field: exact matrix products over Z_2^64 (i64x2) and float64
;; (f64x2), plus elementwise ring ops. All addresses are byte offsets into one shared linear memory
;; that the host imports, grows and copies operands into; all arithmetic wraps mod 2^64.
;;
;; Rebuild the embedded binary after editing: deno task --cwd packages/field build:wasm
;; (assembled by npm:wabt with the simd and threads features).
(module
  (import "env" "memory" (memory 1 32768 shared))

  ;; ---- tiles: c[rows, cols] += a[rows, p..p+cnt] · b[p..p+cnt, cols] ----
  ;; $pa: &a[row0, p]; $as: a row stride; $pb: &b[p, col0] or the packed panel; $bs: b row stride;
  ;; $pc: &c[row0, col0]; $cs: c row stride (bytes); $cnt: number of k steps.

  ;; c[4 rows, 4 cols] += a[4 rows, cnt] · B-panel (split-packed: per k, 4 low words then 4 high words).
  ;; a·b mod 2^64 = alo·blo + ((ahi·blo + alo·bhi) mod 2^32)·2^32: the 64-bit products alo·blo
  ;; come from i64x2.extmul_*_i32x4_u, the cross terms from i32x4.mul and are summed mod 2^32
  ;; in $x*, then shifted into the high words once at the end.
  (func $u64_4x4
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32)
    (local $pa1 i32) (local $pa2 i32) (local $pa3 i32)
    (local $alo v128) (local $ahi v128) (local $blo v128) (local $bhi v128)
    (local $l00 v128) (local $l01 v128) (local $x0 v128)
    (local $l10 v128) (local $l11 v128) (local $x1 v128)
    (local $l20 v128) (local $l21 v128) (local $x2 v128)
    (local $l30 v128) (local $l31 v128) (local $x3 v128)
    (local.set $pa1 (i32.add (local.get $pa) (local.get $as)))
    (local.set $pa2 (i32.add (local.get $pa1) (local.get $as)))
    (local.set $pa3 (i32.add (local.get $pa2) (local.get $as)))
    (local.set $l00 (v128.load (local.get $pc)))
    (local.set $l01 (v128.load offset=16 (local.get $pc)))
    (local.set $l10 (v128.load (i32.add (local.get $pc) (local.get $cs))))
    (local.set $l11 (v128.load offset=16 (i32.add (local.get $pc) (local.get $cs))))
    (local.set $l20 (v128.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2)))))
    (local.set $l21 (v128.load offset=16 (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2)))))
    (local.set $l30 (v128.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3)))))
    (local.set $l31 (v128.load offset=16 (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3)))))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $blo (v128.load (local.get $pb)))
      (local.set $bhi (v128.load offset=16 (local.get $pb)))
      (local.set $alo (v128.load32_splat (local.get $pa)))
      (local.set $ahi (v128.load32_splat offset=4 (local.get $pa)))
      (local.set $l00 (i64x2.add (local.get $l00) (i64x2.extmul_low_i32x4_u (local.get $blo) (local.get $alo))))
      (local.set $l01 (i64x2.add (local.get $l01) (i64x2.extmul_high_i32x4_u (local.get $blo) (local.get $alo))))
      (local.set $x0 (i32x4.add (local.get $x0)
        (i32x4.add (i32x4.mul (local.get $bhi) (local.get $alo)) (i32x4.mul (local.get $blo) (local.get $ahi)))))
      (local.set $alo (v128.load32_splat (local.get $pa1)))
      (local.set $ahi (v128.load32_splat offset=4 (local.get $pa1)))
      (local.set $l10 (i64x2.add (local.get $l10) (i64x2.extmul_low_i32x4_u (local.get $blo) (local.get $alo))))
      (local.set $l11 (i64x2.add (local.get $l11) (i64x2.extmul_high_i32x4_u (local.get $blo) (local.get $alo))))
      (local.set $x1 (i32x4.add (local.get $x1)
        (i32x4.add (i32x4.mul (local.get $bhi) (local.get $alo)) (i32x4.mul (local.get $blo) (local.get $ahi)))))
      (local.set $alo (v128.load32_splat (local.get $pa2)))
      (local.set $ahi (v128.load32_splat offset=4 (local.get $pa2)))
      (local.set $l20 (i64x2.add (local.get $l20) (i64x2.extmul_low_i32x4_u (local.get $blo) (local.get $alo))))
      (local.set $l21 (i64x2.add (local.get $l21) (i64x2.extmul_high_i32x4_u (local.get $blo) (local.get $alo))))
      (local.set $x2 (i32x4.add (local.get $x2)
        (i32x4.add (i32x4.mul (local.get $bhi) (local.get $alo)) (i32x4.mul (local.get $blo) (local.get $ahi)))))
      (local.set $alo (v128.load32_splat (local.get $pa3)))
      (local.set $ahi (v128.load32_splat offset=4 (local.get $pa3)))
      (local.set $l30 (i64x2.add (local.get $l30) (i64x2.extmul_low_i32x4_u (local.get $blo) (local.get $alo))))
      (local.set $l31 (i64x2.add (local.get $l31) (i64x2.extmul_high_i32x4_u (local.get $blo) (local.get $alo))))
      (local.set $x3 (i32x4.add (local.get $x3)
        (i32x4.add (i32x4.mul (local.get $bhi) (local.get $alo)) (i32x4.mul (local.get $blo) (local.get $ahi)))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pa1 (i32.add (local.get $pa1) (i32.const 8)))
      (local.set $pa2 (i32.add (local.get $pa2) (i32.const 8)))
      (local.set $pa3 (i32.add (local.get $pa3) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (v128.store (local.get $pc) (i64x2.add (local.get $l00)
      (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 20 21 22 23 (v128.const i64x2 0 0) (local.get $x0))))
    (v128.store offset=16 (local.get $pc) (i64x2.add (local.get $l01)
      (i8x16.shuffle 0 1 2 3 24 25 26 27 0 1 2 3 28 29 30 31 (v128.const i64x2 0 0) (local.get $x0))))
    (v128.store (i32.add (local.get $pc) (local.get $cs)) (i64x2.add (local.get $l10)
      (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 20 21 22 23 (v128.const i64x2 0 0) (local.get $x1))))
    (v128.store offset=16 (i32.add (local.get $pc) (local.get $cs)) (i64x2.add (local.get $l11)
      (i8x16.shuffle 0 1 2 3 24 25 26 27 0 1 2 3 28 29 30 31 (v128.const i64x2 0 0) (local.get $x1))))
    (v128.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2))) (i64x2.add (local.get $l20)
      (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 20 21 22 23 (v128.const i64x2 0 0) (local.get $x2))))
    (v128.store offset=16 (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2))) (i64x2.add (local.get $l21)
      (i8x16.shuffle 0 1 2 3 24 25 26 27 0 1 2 3 28 29 30 31 (v128.const i64x2 0 0) (local.get $x2))))
    (v128.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3))) (i64x2.add (local.get $l30)
      (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 20 21 22 23 (v128.const i64x2 0 0) (local.get $x3))))
    (v128.store offset=16 (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3))) (i64x2.add (local.get $l31)
      (i8x16.shuffle 0 1 2 3 24 25 26 27 0 1 2 3 28 29 30 31 (v128.const i64x2 0 0) (local.get $x3))))
  )

  ;; c[1 rows, 4 cols] += a[1 rows, cnt] · B-panel (split-packed: per k, 4 low words then 4 high words).
  ;; a·b mod 2^64 = alo·blo + ((ahi·blo + alo·bhi) mod 2^32)·2^32: the 64-bit products alo·blo
  ;; come from i64x2.extmul_*_i32x4_u, the cross terms from i32x4.mul and are summed mod 2^32
  ;; in $x*, then shifted into the high words once at the end.
  (func $u64_1x4
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32)
    (local $alo v128) (local $ahi v128) (local $blo v128) (local $bhi v128)
    (local $l00 v128) (local $l01 v128) (local $x0 v128)
    (local.set $l00 (v128.load (local.get $pc)))
    (local.set $l01 (v128.load offset=16 (local.get $pc)))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $blo (v128.load (local.get $pb)))
      (local.set $bhi (v128.load offset=16 (local.get $pb)))
      (local.set $alo (v128.load32_splat (local.get $pa)))
      (local.set $ahi (v128.load32_splat offset=4 (local.get $pa)))
      (local.set $l00 (i64x2.add (local.get $l00) (i64x2.extmul_low_i32x4_u (local.get $blo) (local.get $alo))))
      (local.set $l01 (i64x2.add (local.get $l01) (i64x2.extmul_high_i32x4_u (local.get $blo) (local.get $alo))))
      (local.set $x0 (i32x4.add (local.get $x0)
        (i32x4.add (i32x4.mul (local.get $bhi) (local.get $alo)) (i32x4.mul (local.get $blo) (local.get $ahi)))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (v128.store (local.get $pc) (i64x2.add (local.get $l00)
      (i8x16.shuffle 0 1 2 3 16 17 18 19 0 1 2 3 20 21 22 23 (v128.const i64x2 0 0) (local.get $x0))))
    (v128.store offset=16 (local.get $pc) (i64x2.add (local.get $l01)
      (i8x16.shuffle 0 1 2 3 24 25 26 27 0 1 2 3 28 29 30 31 (v128.const i64x2 0 0) (local.get $x0))))
  )

  ;; c[4 rows, 2 cols] += a · b with i64x2.mul (columns left over after the 4-column panels).
  (func $u64_4x2
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32)
    (local $pa1 i32) (local $pa2 i32) (local $pa3 i32)
    (local $av v128) (local $b0 v128)
    (local $c00 v128)
    (local $c10 v128)
    (local $c20 v128)
    (local $c30 v128)
    (local.set $pa1 (i32.add (local.get $pa) (local.get $as)))
    (local.set $pa2 (i32.add (local.get $pa1) (local.get $as)))
    (local.set $pa3 (i32.add (local.get $pa2) (local.get $as)))
    (local.set $c00 (v128.load (local.get $pc)))
    (local.set $c10 (v128.load (i32.add (local.get $pc) (local.get $cs))))
    (local.set $c20 (v128.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2)))))
    (local.set $c30 (v128.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3)))))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $av (v128.load64_splat (local.get $pa)))
      (local.set $c00 (i64x2.add (local.get $c00) (i64x2.mul (local.get $av) (local.get $b0))))
      (local.set $av (v128.load64_splat (local.get $pa1)))
      (local.set $c10 (i64x2.add (local.get $c10) (i64x2.mul (local.get $av) (local.get $b0))))
      (local.set $av (v128.load64_splat (local.get $pa2)))
      (local.set $c20 (i64x2.add (local.get $c20) (i64x2.mul (local.get $av) (local.get $b0))))
      (local.set $av (v128.load64_splat (local.get $pa3)))
      (local.set $c30 (i64x2.add (local.get $c30) (i64x2.mul (local.get $av) (local.get $b0))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pa1 (i32.add (local.get $pa1) (i32.const 8)))
      (local.set $pa2 (i32.add (local.get $pa2) (i32.const 8)))
      (local.set $pa3 (i32.add (local.get $pa3) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (v128.store (local.get $pc) (local.get $c00))
    (v128.store (i32.add (local.get $pc) (local.get $cs)) (local.get $c10))
    (v128.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2))) (local.get $c20))
    (v128.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3))) (local.get $c30))
  )

  ;; c[1 row, 2 cols] += a · b with i64x2.mul.
  (func $u64_1x2
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32)
    (local $av v128) (local $b0 v128)
    (local $c00 v128)
    (local.set $c00 (v128.load (local.get $pc)))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $av (v128.load64_splat (local.get $pa)))
      (local.set $c00 (i64x2.add (local.get $c00) (i64x2.mul (local.get $av) (local.get $b0))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (v128.store (local.get $pc) (local.get $c00))
  )

  ;; c[4 rows, 1 col] += a · b (scalar; the last column when n is odd).
  (func $u64_4x1
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32) (local $bv i64)
    (local $pa1 i32) (local $pa2 i32) (local $pa3 i32)
    (local $c0 i64) (local $c1 i64) (local $c2 i64) (local $c3 i64)
    (local.set $pa1 (i32.add (local.get $pa) (local.get $as)))
    (local.set $pa2 (i32.add (local.get $pa1) (local.get $as)))
    (local.set $pa3 (i32.add (local.get $pa2) (local.get $as)))
    (local.set $c0 (i64.load (local.get $pc)))
    (local.set $c1 (i64.load (i32.add (local.get $pc) (local.get $cs))))
    (local.set $c2 (i64.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2)))))
    (local.set $c3 (i64.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3)))))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $bv (i64.load (local.get $pb)))
      (local.set $c0 (i64.add (local.get $c0) (i64.mul (i64.load (local.get $pa)) (local.get $bv))))
      (local.set $c1 (i64.add (local.get $c1) (i64.mul (i64.load (local.get $pa1)) (local.get $bv))))
      (local.set $c2 (i64.add (local.get $c2) (i64.mul (i64.load (local.get $pa2)) (local.get $bv))))
      (local.set $c3 (i64.add (local.get $c3) (i64.mul (i64.load (local.get $pa3)) (local.get $bv))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pa1 (i32.add (local.get $pa1) (i32.const 8)))
      (local.set $pa2 (i32.add (local.get $pa2) (i32.const 8)))
      (local.set $pa3 (i32.add (local.get $pa3) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (i64.store (local.get $pc) (local.get $c0))
    (i64.store (i32.add (local.get $pc) (local.get $cs)) (local.get $c1))
    (i64.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2))) (local.get $c2))
    (i64.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3))) (local.get $c3))
  )

  ;; c[1 rows, 1 col] += a · b (scalar; the last column when n is odd).
  (func $u64_1x1
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32) (local $bv i64)
    (local $c0 i64)
    (local.set $c0 (i64.load (local.get $pc)))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $bv (i64.load (local.get $pb)))
      (local.set $c0 (i64.add (local.get $c0) (i64.mul (i64.load (local.get $pa)) (local.get $bv))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (i64.store (local.get $pc) (local.get $c0))
  )

  ;; c[4 rows, 4 cols] += a · B-panel in f64x2 (mul then add, no FMA: same rounding as a scalar i-k-j loop).
  (func $f64_4x4
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32)
    (local $pa1 i32) (local $pa2 i32) (local $pa3 i32)
    (local $av v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128)
    (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128)
    (local $c30 v128) (local $c31 v128)
    (local.set $pa1 (i32.add (local.get $pa) (local.get $as)))
    (local.set $pa2 (i32.add (local.get $pa1) (local.get $as)))
    (local.set $pa3 (i32.add (local.get $pa2) (local.get $as)))
    (local.set $c00 (v128.load (local.get $pc)))
    (local.set $c01 (v128.load offset=16 (local.get $pc)))
    (local.set $c10 (v128.load (i32.add (local.get $pc) (local.get $cs))))
    (local.set $c11 (v128.load offset=16 (i32.add (local.get $pc) (local.get $cs))))
    (local.set $c20 (v128.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2)))))
    (local.set $c21 (v128.load offset=16 (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2)))))
    (local.set $c30 (v128.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3)))))
    (local.set $c31 (v128.load offset=16 (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3)))))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $av (v128.load64_splat (local.get $pa)))
      (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $av) (local.get $b0))))
      (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load64_splat (local.get $pa1)))
      (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $av) (local.get $b0))))
      (local.set $c11 (f64x2.add (local.get $c11) (f64x2.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load64_splat (local.get $pa2)))
      (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $av) (local.get $b0))))
      (local.set $c21 (f64x2.add (local.get $c21) (f64x2.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load64_splat (local.get $pa3)))
      (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $av) (local.get $b0))))
      (local.set $c31 (f64x2.add (local.get $c31) (f64x2.mul (local.get $av) (local.get $b1))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pa1 (i32.add (local.get $pa1) (i32.const 8)))
      (local.set $pa2 (i32.add (local.get $pa2) (i32.const 8)))
      (local.set $pa3 (i32.add (local.get $pa3) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (v128.store (local.get $pc) (local.get $c00))
    (v128.store offset=16 (local.get $pc) (local.get $c01))
    (v128.store (i32.add (local.get $pc) (local.get $cs)) (local.get $c10))
    (v128.store offset=16 (i32.add (local.get $pc) (local.get $cs)) (local.get $c11))
    (v128.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2))) (local.get $c20))
    (v128.store offset=16 (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2))) (local.get $c21))
    (v128.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3))) (local.get $c30))
    (v128.store offset=16 (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3))) (local.get $c31))
  )

  ;; c[1 row, 4 cols] += a · B-panel in f64x2.
  (func $f64_1x4
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32)
    (local $av v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128)
    (local.set $c00 (v128.load (local.get $pc)))
    (local.set $c01 (v128.load offset=16 (local.get $pc)))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $av (v128.load64_splat (local.get $pa)))
      (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $av) (local.get $b0))))
      (local.set $c01 (f64x2.add (local.get $c01) (f64x2.mul (local.get $av) (local.get $b1))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (v128.store (local.get $pc) (local.get $c00))
    (v128.store offset=16 (local.get $pc) (local.get $c01))
  )

  ;; c[4 rows, 2 cols] += a · b in f64x2.
  (func $f64_4x2
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32)
    (local $pa1 i32) (local $pa2 i32) (local $pa3 i32)
    (local $av v128) (local $b0 v128)
    (local $c00 v128)
    (local $c10 v128)
    (local $c20 v128)
    (local $c30 v128)
    (local.set $pa1 (i32.add (local.get $pa) (local.get $as)))
    (local.set $pa2 (i32.add (local.get $pa1) (local.get $as)))
    (local.set $pa3 (i32.add (local.get $pa2) (local.get $as)))
    (local.set $c00 (v128.load (local.get $pc)))
    (local.set $c10 (v128.load (i32.add (local.get $pc) (local.get $cs))))
    (local.set $c20 (v128.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2)))))
    (local.set $c30 (v128.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3)))))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $av (v128.load64_splat (local.get $pa)))
      (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $av) (local.get $b0))))
      (local.set $av (v128.load64_splat (local.get $pa1)))
      (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $av) (local.get $b0))))
      (local.set $av (v128.load64_splat (local.get $pa2)))
      (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $av) (local.get $b0))))
      (local.set $av (v128.load64_splat (local.get $pa3)))
      (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $av) (local.get $b0))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pa1 (i32.add (local.get $pa1) (i32.const 8)))
      (local.set $pa2 (i32.add (local.get $pa2) (i32.const 8)))
      (local.set $pa3 (i32.add (local.get $pa3) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (v128.store (local.get $pc) (local.get $c00))
    (v128.store (i32.add (local.get $pc) (local.get $cs)) (local.get $c10))
    (v128.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2))) (local.get $c20))
    (v128.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3))) (local.get $c30))
  )

  ;; c[1 row, 2 cols] += a · b in f64x2.
  (func $f64_1x2
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32)
    (local $av v128) (local $b0 v128)
    (local $c00 v128)
    (local.set $c00 (v128.load (local.get $pc)))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $av (v128.load64_splat (local.get $pa)))
      (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $av) (local.get $b0))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (v128.store (local.get $pc) (local.get $c00))
  )

  ;; c[4 rows, 1 col] += a · b (scalar; the last column when n is odd).
  (func $f64_4x1
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32) (local $bv f64)
    (local $pa1 i32) (local $pa2 i32) (local $pa3 i32)
    (local $c0 f64) (local $c1 f64) (local $c2 f64) (local $c3 f64)
    (local.set $pa1 (i32.add (local.get $pa) (local.get $as)))
    (local.set $pa2 (i32.add (local.get $pa1) (local.get $as)))
    (local.set $pa3 (i32.add (local.get $pa2) (local.get $as)))
    (local.set $c0 (f64.load (local.get $pc)))
    (local.set $c1 (f64.load (i32.add (local.get $pc) (local.get $cs))))
    (local.set $c2 (f64.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2)))))
    (local.set $c3 (f64.load (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3)))))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $bv (f64.load (local.get $pb)))
      (local.set $c0 (f64.add (local.get $c0) (f64.mul (f64.load (local.get $pa)) (local.get $bv))))
      (local.set $c1 (f64.add (local.get $c1) (f64.mul (f64.load (local.get $pa1)) (local.get $bv))))
      (local.set $c2 (f64.add (local.get $c2) (f64.mul (f64.load (local.get $pa2)) (local.get $bv))))
      (local.set $c3 (f64.add (local.get $c3) (f64.mul (f64.load (local.get $pa3)) (local.get $bv))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pa1 (i32.add (local.get $pa1) (i32.const 8)))
      (local.set $pa2 (i32.add (local.get $pa2) (i32.const 8)))
      (local.set $pa3 (i32.add (local.get $pa3) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (f64.store (local.get $pc) (local.get $c0))
    (f64.store (i32.add (local.get $pc) (local.get $cs)) (local.get $c1))
    (f64.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 2))) (local.get $c2))
    (f64.store (i32.add (local.get $pc) (i32.mul (local.get $cs) (i32.const 3))) (local.get $c3))
  )

  ;; c[1 rows, 1 col] += a · b (scalar; the last column when n is odd).
  (func $f64_1x1
    (param $pa i32) (param $pb i32) (param $pc i32) (param $as i32) (param $bs i32) (param $cs i32) (param $cnt i32)
    (local $pe i32) (local $bv f64)
    (local $c0 f64)
    (local.set $c0 (f64.load (local.get $pc)))
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $cnt) (i32.const 3))))
    (if (local.get $cnt) (then (loop $p
      (local.set $bv (f64.load (local.get $pb)))
      (local.set $c0 (f64.add (local.get $c0) (f64.mul (f64.load (local.get $pa)) (local.get $bv))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br_if $p (i32.lt_u (local.get $pa) (local.get $pe))))))
    (f64.store (local.get $pc) (local.get $c0))
  )

  ;; ---- drivers ----

  ;; c[1 row, w cols] += a[1 row, k] · b[k, w cols], k outermost: streams b once, row by row.
  ;; Used when a call has fewer than 4 rows (e.g. a vector-matrix product), where packing b
  ;; would cost more than it saves. $pa: &a[i, 0]; $pb: &b[0, j0]; $pc: &c[i, j0]; $bs: b row stride.
  (func $u64_row (param $pa i32) (param $pb i32) (param $pc i32) (param $k i32) (param $w i32) (param $bs i32)
    (local $pe i32) (local $as i64) (local $av v128) (local $j i32) (local $w2 i32)
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $k) (i32.const 3))))
    (local.set $w2 (i32.shl (i32.and (local.get $w) (i32.const -2)) (i32.const 3)))
    (block $dp (loop $lp
      (br_if $dp (i32.ge_u (local.get $pa) (local.get $pe)))
      (local.set $as (i64.load (local.get $pa)))
      (local.set $av (i64x2.splat (local.get $as)))
      (local.set $j (i32.const 0))
      (block $dj (loop $lj
        (br_if $dj (i32.ge_u (local.get $j) (local.get $w2)))
        (v128.store (i32.add (local.get $pc) (local.get $j))
          (i64x2.add (v128.load (i32.add (local.get $pc) (local.get $j)))
            (i64x2.mul (local.get $av) (v128.load (i32.add (local.get $pb) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $lj)))
      (if (i32.and (local.get $w) (i32.const 1)) (then
        (i64.store (i32.add (local.get $pc) (local.get $w2))
          (i64.add (i64.load (i32.add (local.get $pc) (local.get $w2)))
            (i64.mul (local.get $as) (i64.load (i32.add (local.get $pb) (local.get $w2))))))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br $lp)))
  )

  ;; c[1 row, w cols] += a[1 row, k] · b[k, w cols], k outermost: streams b once, row by row.
  ;; Used when a call has fewer than 4 rows (e.g. a vector-matrix product), where packing b
  ;; would cost more than it saves. $pa: &a[i, 0]; $pb: &b[0, j0]; $pc: &c[i, j0]; $bs: b row stride.
  (func $f64_row (param $pa i32) (param $pb i32) (param $pc i32) (param $k i32) (param $w i32) (param $bs i32)
    (local $pe i32) (local $as f64) (local $av v128) (local $j i32) (local $w2 i32)
    (local.set $pe (i32.add (local.get $pa) (i32.shl (local.get $k) (i32.const 3))))
    (local.set $w2 (i32.shl (i32.and (local.get $w) (i32.const -2)) (i32.const 3)))
    (block $dp (loop $lp
      (br_if $dp (i32.ge_u (local.get $pa) (local.get $pe)))
      (local.set $as (f64.load (local.get $pa)))
      (local.set $av (f64x2.splat (local.get $as)))
      (local.set $j (i32.const 0))
      (block $dj (loop $lj
        (br_if $dj (i32.ge_u (local.get $j) (local.get $w2)))
        (v128.store (i32.add (local.get $pc) (local.get $j))
          (f64x2.add (v128.load (i32.add (local.get $pc) (local.get $j)))
            (f64x2.mul (local.get $av) (v128.load (i32.add (local.get $pb) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $lj)))
      (if (i32.and (local.get $w) (i32.const 1)) (then
        (f64.store (i32.add (local.get $pc) (local.get $w2))
          (f64.add (f64.load (i32.add (local.get $pc) (local.get $w2)))
            (f64.mul (local.get $as) (f64.load (i32.add (local.get $pb) (local.get $w2))))))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))
      (br $lp)))
  )

  ;; c[i0..i1, j0..j1] += a[i0..i1, :] · b[:, j0..j1] for row-major a (m×k), b (k×n), c (m×n) at
  ;; byte addresses $a, $b, $c. Blocked over columns (nc) and the inner dimension (kc); each
  ;; kc×nc block of b is first copied into the workspace $ws (kc·nc·8 bytes) as 4-column
  ;; panels, then swept by 4×4 register tiles; leftover rows/columns use smaller tiles. Calls with
  ;; fewer than 4 rows use the streaming row kernel instead.
  ;; nc must be a positive multiple of 4.
  (func (export "mm_u64")
    (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
    (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32) (param $kc i32) (param $nc i32) (param $ws i32)
    (local $as i32) (local $cs i32) (local $jc i32) (local $je i32) (local $p0 i32) (local $pn i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pb i32) (local $pcr i32)
    (local $q i32) (local $qe i32) (local $src i32) (local $v0 v128) (local $v1 v128)
    (local.set $as (i32.shl (local.get $k) (i32.const 3)))
    (local.set $cs (i32.shl (local.get $n) (i32.const 3)))
    ;; Fewer than 4 rows: stream b row by row instead of packing it.
    (if (i32.lt_u (i32.sub (local.get $i1) (local.get $i0)) (i32.const 4)) (then
      (local.set $i (local.get $i0))
      (block $dr (loop $lr
        (br_if $dr (i32.ge_u (local.get $i) (local.get $i1)))
        (call $u64_row
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $as)))
          (i32.add (local.get $b) (i32.shl (local.get $j0) (i32.const 3)))
          (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cs))) (i32.shl (local.get $j0) (i32.const 3)))
          (local.get $k) (i32.sub (local.get $j1) (local.get $j0)) (local.get $cs))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $lr)))
      (return)))
    (local.set $jc (local.get $j0))
    (block $djc (loop $ljc
      (br_if $djc (i32.ge_u (local.get $jc) (local.get $j1)))
      (local.set $je (i32.add (local.get $jc) (local.get $nc)))
      (if (i32.gt_u (local.get $je) (local.get $j1)) (then (local.set $je (local.get $j1))))
      (local.set $p0 (i32.const 0))
      (block $dp (loop $lp
        (br_if $dp (i32.ge_u (local.get $p0) (local.get $k)))
        (local.set $pn (i32.sub (local.get $k) (local.get $p0)))
        (if (i32.gt_u (local.get $pn) (local.get $kc)) (then (local.set $pn (local.get $kc))))
        (local.set $pb (i32.add (local.get $b) (i32.mul (local.get $p0) (local.get $cs))))
        ;; pack b[p0..p0+pn, j..j+4] for each full 4-column panel: panel at $ws + (j-jc)·pn·8
        (local.set $j (local.get $jc))
        (block $dk (loop $lk
          (br_if $dk (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $je)))
          (local.set $q (i32.add (local.get $ws) (i32.mul (i32.sub (local.get $j) (local.get $jc)) (i32.shl (local.get $pn) (i32.const 3)))))
          (local.set $qe (i32.add (local.get $q) (i32.shl (local.get $pn) (i32.const 5))))
          (local.set $src (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 3))))
          (loop $lq
            (local.set $v0 (v128.load (local.get $src)))
            (local.set $v1 (v128.load offset=16 (local.get $src)))
            (v128.store (local.get $q)
              (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $v0) (local.get $v1)))
            (v128.store offset=16 (local.get $q)
              (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $v0) (local.get $v1)))
            (local.set $src (i32.add (local.get $src) (local.get $cs)))
            (local.set $q (i32.add (local.get $q) (i32.const 32)))
            (br_if $lq (i32.lt_u (local.get $q) (local.get $qe))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $lk)))
        ;; rows in groups of 4, then one at a time
        (local.set $i (local.get $i0))
        (block $di (loop $li
          (br_if $di (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $i1)))
          (local.set $pa (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $as))) (i32.shl (local.get $p0) (i32.const 3))))
          (local.set $pcr (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cs))))
          (local.set $j (local.get $jc))
          (block $d4 (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $je)))
            (call $u64_4x4 (local.get $pa)
              (i32.add (local.get $ws) (i32.mul (i32.sub (local.get $j) (local.get $jc)) (i32.shl (local.get $pn) (i32.const 3))))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (i32.const 32) (local.get $cs) (local.get $pn))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $l4)))
          (if (i32.le_u (i32.add (local.get $j) (i32.const 2)) (local.get $je)) (then
            (call $u64_4x2 (local.get $pa)
              (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 3)))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (local.get $cs) (local.get $cs) (local.get $pn))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))))
          (if (i32.lt_u (local.get $j) (local.get $je)) (then
            (call $u64_4x1 (local.get $pa)
              (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 3)))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (local.get $cs) (local.get $cs) (local.get $pn))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $li)))
        (block $di1 (loop $li1
          (br_if $di1 (i32.ge_u (local.get $i) (local.get $i1)))
          (local.set $pa (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $as))) (i32.shl (local.get $p0) (i32.const 3))))
          (local.set $pcr (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cs))))
          (local.set $j (local.get $jc))
          (block $d4 (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $je)))
            (call $u64_1x4 (local.get $pa)
              (i32.add (local.get $ws) (i32.mul (i32.sub (local.get $j) (local.get $jc)) (i32.shl (local.get $pn) (i32.const 3))))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (i32.const 32) (local.get $cs) (local.get $pn))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $l4)))
          (if (i32.le_u (i32.add (local.get $j) (i32.const 2)) (local.get $je)) (then
            (call $u64_1x2 (local.get $pa)
              (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 3)))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (local.get $cs) (local.get $cs) (local.get $pn))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))))
          (if (i32.lt_u (local.get $j) (local.get $je)) (then
            (call $u64_1x1 (local.get $pa)
              (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 3)))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (local.get $cs) (local.get $cs) (local.get $pn))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $li1)))
        (local.set $p0 (i32.add (local.get $p0) (local.get $kc)))
        (br $lp)))
      (local.set $jc (i32.add (local.get $jc) (local.get $nc)))
      (br $ljc)))
  )

  ;; c[i0..i1, j0..j1] += a[i0..i1, :] · b[:, j0..j1] for row-major a (m×k), b (k×n), c (m×n) at
  ;; byte addresses $a, $b, $c. Blocked over columns (nc) and the inner dimension (kc); each
  ;; kc×nc block of b is first copied into the workspace $ws (kc·nc·8 bytes) as 4-column
  ;; panels, then swept by 4×4 register tiles; leftover rows/columns use smaller tiles. Calls with
  ;; fewer than 4 rows use the streaming row kernel instead.
  ;; nc must be a positive multiple of 4.
  (func (export "mm_f64")
    (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
    (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32) (param $kc i32) (param $nc i32) (param $ws i32)
    (local $as i32) (local $cs i32) (local $jc i32) (local $je i32) (local $p0 i32) (local $pn i32)
    (local $i i32) (local $j i32) (local $pa i32) (local $pb i32) (local $pcr i32)
    (local $q i32) (local $qe i32) (local $src i32)
    (local.set $as (i32.shl (local.get $k) (i32.const 3)))
    (local.set $cs (i32.shl (local.get $n) (i32.const 3)))
    ;; Fewer than 4 rows: stream b row by row instead of packing it.
    (if (i32.lt_u (i32.sub (local.get $i1) (local.get $i0)) (i32.const 4)) (then
      (local.set $i (local.get $i0))
      (block $dr (loop $lr
        (br_if $dr (i32.ge_u (local.get $i) (local.get $i1)))
        (call $f64_row
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $as)))
          (i32.add (local.get $b) (i32.shl (local.get $j0) (i32.const 3)))
          (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cs))) (i32.shl (local.get $j0) (i32.const 3)))
          (local.get $k) (i32.sub (local.get $j1) (local.get $j0)) (local.get $cs))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $lr)))
      (return)))
    (local.set $jc (local.get $j0))
    (block $djc (loop $ljc
      (br_if $djc (i32.ge_u (local.get $jc) (local.get $j1)))
      (local.set $je (i32.add (local.get $jc) (local.get $nc)))
      (if (i32.gt_u (local.get $je) (local.get $j1)) (then (local.set $je (local.get $j1))))
      (local.set $p0 (i32.const 0))
      (block $dp (loop $lp
        (br_if $dp (i32.ge_u (local.get $p0) (local.get $k)))
        (local.set $pn (i32.sub (local.get $k) (local.get $p0)))
        (if (i32.gt_u (local.get $pn) (local.get $kc)) (then (local.set $pn (local.get $kc))))
        (local.set $pb (i32.add (local.get $b) (i32.mul (local.get $p0) (local.get $cs))))
        ;; pack b[p0..p0+pn, j..j+4] for each full 4-column panel: panel at $ws + (j-jc)·pn·8
        (local.set $j (local.get $jc))
        (block $dk (loop $lk
          (br_if $dk (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $je)))
          (local.set $q (i32.add (local.get $ws) (i32.mul (i32.sub (local.get $j) (local.get $jc)) (i32.shl (local.get $pn) (i32.const 3)))))
          (local.set $qe (i32.add (local.get $q) (i32.shl (local.get $pn) (i32.const 5))))
          (local.set $src (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 3))))
          (loop $lq
            (v128.store (local.get $q) (v128.load (local.get $src)))
            (v128.store offset=16 (local.get $q) (v128.load offset=16 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $cs)))
            (local.set $q (i32.add (local.get $q) (i32.const 32)))
            (br_if $lq (i32.lt_u (local.get $q) (local.get $qe))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $lk)))
        ;; rows in groups of 4, then one at a time
        (local.set $i (local.get $i0))
        (block $di (loop $li
          (br_if $di (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $i1)))
          (local.set $pa (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $as))) (i32.shl (local.get $p0) (i32.const 3))))
          (local.set $pcr (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cs))))
          (local.set $j (local.get $jc))
          (block $d4 (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $je)))
            (call $f64_4x4 (local.get $pa)
              (i32.add (local.get $ws) (i32.mul (i32.sub (local.get $j) (local.get $jc)) (i32.shl (local.get $pn) (i32.const 3))))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (i32.const 32) (local.get $cs) (local.get $pn))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $l4)))
          (if (i32.le_u (i32.add (local.get $j) (i32.const 2)) (local.get $je)) (then
            (call $f64_4x2 (local.get $pa)
              (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 3)))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (local.get $cs) (local.get $cs) (local.get $pn))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))))
          (if (i32.lt_u (local.get $j) (local.get $je)) (then
            (call $f64_4x1 (local.get $pa)
              (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 3)))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (local.get $cs) (local.get $cs) (local.get $pn))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $li)))
        (block $di1 (loop $li1
          (br_if $di1 (i32.ge_u (local.get $i) (local.get $i1)))
          (local.set $pa (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $as))) (i32.shl (local.get $p0) (i32.const 3))))
          (local.set $pcr (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cs))))
          (local.set $j (local.get $jc))
          (block $d4 (loop $l4
            (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $je)))
            (call $f64_1x4 (local.get $pa)
              (i32.add (local.get $ws) (i32.mul (i32.sub (local.get $j) (local.get $jc)) (i32.shl (local.get $pn) (i32.const 3))))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (i32.const 32) (local.get $cs) (local.get $pn))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $l4)))
          (if (i32.le_u (i32.add (local.get $j) (i32.const 2)) (local.get $je)) (then
            (call $f64_1x2 (local.get $pa)
              (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 3)))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (local.get $cs) (local.get $cs) (local.get $pn))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))))
          (if (i32.lt_u (local.get $j) (local.get $je)) (then
            (call $f64_1x1 (local.get $pa)
              (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 3)))
              (i32.add (local.get $pcr) (i32.shl (local.get $j) (i32.const 3)))
              (local.get $as) (local.get $cs) (local.get $cs) (local.get $pn))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $li1)))
        (local.set $p0 (i32.add (local.get $p0) (local.get $kc)))
        (br $lp)))
      (local.set $jc (i32.add (local.get $jc) (local.get $nc)))
      (br $ljc)))
  )

  ;; ---- exact truncation with a helper's pair (see @secp/sharing trunc_pair.ts) ----
  ;; out = (w << (63 − bits)) − low [+ ((c mod 2^63) >> bits) − 2^(62−bits) if first], where
  ;; w = msb, or (first − msb) when the top bit of c is set. $first is 0 or 1; 1 ≤ bits ≤ 62.
  (func (export "trunc_u64") (param $c i32) (param $m i32) (param $l i32) (param $o i32)
    (param $len i32) (param $bits i32) (param $first i64)
    (local $e i32) (local $s i32) (local $fv v128) (local $fmask v128) (local $lowmask v128)
    (local $off v128) (local $cv v128) (local $mv v128) (local $w v128)
    (local $cs i64) (local $ms i64) (local $ws i64) (local $offs i64)
    (local.set $s (i32.sub (i32.const 63) (local.get $bits)))
    (local.set $offs (i64.shl (i64.const 1) (i64.extend_i32_u (i32.sub (i32.const 62) (local.get $bits)))))
    (local.set $fv (i64x2.splat (local.get $first)))
    (local.set $fmask (i64x2.splat (i64.sub (i64.const 0) (local.get $first))))
    (local.set $lowmask (i64x2.splat (i64.const 0x7fffffffffffffff)))
    (local.set $off (i64x2.splat (local.get $offs)))
    (local.set $e (i32.add (local.get $o) (i32.shl (local.get $len) (i32.const 3))))
    (block $d (loop $lp
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $e)))
      (local.set $cv (v128.load (local.get $c)))
      (local.set $mv (v128.load (local.get $m)))
      (local.set $w (v128.bitselect
        (i64x2.sub (local.get $fv) (local.get $mv))
        (local.get $mv)
        (i64x2.shr_s (local.get $cv) (i32.const 63))))
      (v128.store (local.get $o)
        (i64x2.add
          (i64x2.sub (i64x2.shl (local.get $w) (local.get $s)) (v128.load (local.get $l)))
          (v128.and (local.get $fmask)
            (i64x2.sub
              (i64x2.shr_u (v128.and (local.get $cv) (local.get $lowmask)) (local.get $bits))
              (local.get $off)))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $m (i32.add (local.get $m) (i32.const 16)))
      (local.set $l (i32.add (local.get $l) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $lp)))
    (if (i32.lt_u (local.get $o) (local.get $e)) (then
      (local.set $cs (i64.load (local.get $c)))
      (local.set $ms (i64.load (local.get $m)))
      (local.set $ws (select
        (i64.sub (local.get $first) (local.get $ms))
        (local.get $ms)
        (i64.ne (i64.shr_u (local.get $cs) (i64.const 63)) (i64.const 0))))
      (i64.store (local.get $o)
        (i64.add
          (i64.sub (i64.shl (local.get $ws) (i64.extend_i32_u (local.get $s))) (i64.load (local.get $l)))
          (i64.mul (local.get $first)
            (i64.sub
              (i64.shr_u (i64.and (local.get $cs) (i64.const 0x7fffffffffffffff))
                (i64.extend_i32_u (local.get $bits)))
              (local.get $offs)))))))
  )

  ;; ---- elementwise: out[i] = a[i] op b[i] for i < len (mod 2^64 for u64) ----

  ;; out = a + b
  (func (export "add_u64") (param $a i32) (param $b i32) (param $o i32) (param $len i32)
    (local $e i32)
    (local.set $e (i32.add (local.get $o) (i32.shl (local.get $len) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $e)))
      (v128.store (local.get $o) (i64x2.add (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $o) (local.get $e)) (then
      (i64.store (local.get $o) (i64.add (i64.load (local.get $a)) (i64.load (local.get $b))))))
  )

  ;; out = a - b
  (func (export "sub_u64") (param $a i32) (param $b i32) (param $o i32) (param $len i32)
    (local $e i32)
    (local.set $e (i32.add (local.get $o) (i32.shl (local.get $len) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $e)))
      (v128.store (local.get $o) (i64x2.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $o) (local.get $e)) (then
      (i64.store (local.get $o) (i64.sub (i64.load (local.get $a)) (i64.load (local.get $b))))))
  )

  ;; out = a ⊙ b
  (func (export "mul_u64") (param $a i32) (param $b i32) (param $o i32) (param $len i32)
    (local $e i32)
    (local.set $e (i32.add (local.get $o) (i32.shl (local.get $len) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $e)))
      (v128.store (local.get $o) (i64x2.mul (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $o) (local.get $e)) (then
      (i64.store (local.get $o) (i64.mul (i64.load (local.get $a)) (i64.load (local.get $b))))))
  )

  ;; out = a · s
  (func (export "scale_u64") (param $a i32) (param $s i64) (param $o i32) (param $len i32)
    (local $e i32) (local $sv v128)
    (local.set $sv (i64x2.splat (local.get $s)))
    (local.set $e (i32.add (local.get $o) (i32.shl (local.get $len) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $e)))
      (v128.store (local.get $o) (i64x2.mul (v128.load (local.get $a)) (local.get $sv)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $o) (local.get $e)) (then
      (i64.store (local.get $o) (i64.mul (i64.load (local.get $a)) (local.get $s)))))
  )

  ;; out = a + b in float64
  (func (export "add_f64") (param $a i32) (param $b i32) (param $o i32) (param $len i32)
    (local $e i32)
    (local.set $e (i32.add (local.get $o) (i32.shl (local.get $len) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $e)))
      (v128.store (local.get $o) (f64x2.add (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $o) (local.get $e)) (then
      (f64.store (local.get $o) (f64.add (f64.load (local.get $a)) (f64.load (local.get $b))))))
  )

  ;; out = a - b in float64
  (func (export "sub_f64") (param $a i32) (param $b i32) (param $o i32) (param $len i32)
    (local $e i32)
    (local.set $e (i32.add (local.get $o) (i32.shl (local.get $len) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $e)))
      (v128.store (local.get $o) (f64x2.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $o) (local.get $e)) (then
      (f64.store (local.get $o) (f64.sub (f64.load (local.get $a)) (f64.load (local.get $b))))))
  )

  ;; out = a ⊙ b in float64
  (func (export "mul_f64") (param $a i32) (param $b i32) (param $o i32) (param $len i32)
    (local $e i32)
    (local.set $e (i32.add (local.get $o) (i32.shl (local.get $len) (i32.const 3))))
    (block $d (loop $l
      (br_if $d (i32.gt_u (i32.add (local.get $o) (i32.const 16)) (local.get $e)))
      (v128.store (local.get $o) (f64x2.mul (v128.load (local.get $a)) (v128.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l)))
    (if (i32.lt_u (local.get $o) (local.get $e)) (then
      (f64.store (local.get $o) (f64.mul (f64.load (local.get $a)) (f64.load (local.get $b))))))
  )
)
