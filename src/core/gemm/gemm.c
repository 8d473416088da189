// f32 matrix kernels for the wasm backend, compiled to a small WebAssembly module that imports tfjs-backend-wasm's own
// memory, so it reads and writes tfjs tensors in place (no copies). Built by `npm run build:gemm` (clang ≥ 15,
// wasm-ld); the output is committed as src/core/gemm/gemmWasm.ts, so users and CI need no C toolchain.
//
// Why: tfjs-backend-wasm's matMul is XNNPACK's f32 GEMM for 128-bit wasm SIMD, which has no fused multiply-add; on
// x86 the multiply and the add are two instructions. With the relaxed-SIMD proposal (`f32x4.relaxed_madd`, lowered to
// vfmadd by V8) the same 6×8 register tile does twice the work per instruction. A plain-SIMD build of the same code
// is the fallback where relaxed SIMD is not available; gemmKernels.ts picks one, measured (bench/README.md).
//
// The module must not use a shadow stack or static data: it shares tfjs's memory and owns none of it. Everything
// it needs beyond its operands lives in a scratch block allocated with tfjs's own malloc (see gemmKernels.ts).
#include <wasm_simd128.h>

#ifdef RELAXED
// clang 15 spells f32x4.relaxed_madd (opcode 0x105, a·b + c) __builtin_wasm_fma_f32x4(a, b, c).
#define MADD(c, a, b) __builtin_wasm_fma_f32x4((a), (b), (c))
#else
#define MADD(c, a, b) wasm_f32x4_add((c), wasm_f32x4_mul((a), (b)))
#endif

#define MR 6   // rows of the register tile
#define NR 8   // columns of the register tile (two f32x4)
#define KC 256 // depth of one packed block
#define MC 96  // rows of one packed A block (a multiple of MR)

static inline int min_i(int a, int b) { return a < b ? a : b; }

// B block rows k0..k0+kc (of op(B), shape [K, N]) as panels of NR columns, each [kc][NR], zero-padded on the right.
static void pack_b(const float *B, int ldb, int trans_b, int k0, int kc, int N, float *out) {
  for (int j0 = 0; j0 < N; j0 += NR) {
    int nr = min_i(NR, N - j0);
    if (!trans_b && nr == NR) {
      const float *src = B + k0 * ldb + j0;
      for (int k = 0; k < kc; k++, src += ldb, out += NR) {
        wasm_v128_store(out, wasm_v128_load(src));
        wasm_v128_store(out + 4, wasm_v128_load(src + 4));
      }
    } else {
      for (int k = 0; k < kc; k++, out += NR)
        for (int j = 0; j < NR; j++)
          out[j] = j < nr ? (trans_b ? B[(j0 + j) * ldb + k0 + k] : B[(k0 + k) * ldb + j0 + j]) : 0.0f;
    }
  }
}

// A block rows i0..i0+mc, depth k0..k0+kc (of op(A), shape [M, K]) as panels of MR rows, each [kc][MR], zero-padded.
static void pack_a(const float *A, int lda, int trans_a, int i0, int mc, int k0, int kc, float *out) {
  for (int r0 = 0; r0 < mc; r0 += MR) {
    int mr = min_i(MR, mc - r0);
    const float *base = trans_a ? A + k0 * lda + i0 + r0 : A + (i0 + r0) * lda + k0;
    for (int k = 0; k < kc; k++, out += MR)
      for (int r = 0; r < MR; r++)
        out[r] = r < mr ? (trans_a ? base[k * lda + r] : base[r * lda + k]) : 0.0f;
  }
}

// C[0..mr, 0..nr] (+)= a-panel · b-panel over kc. Full tiles store straight into C; edge tiles go through `tile`.
static void tile_6x8(int kc, const float *a, const float *b, float *C, int ldc, int mr, int nr, int accumulate, float *tile) {
  v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  v128_t c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int k = 0; k < kc; k++, a += MR, b += NR) {
    v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t a0 = wasm_v128_load32_splat(a + 0);
    c00 = MADD(c00, a0, b0); c01 = MADD(c01, a0, b1);
    v128_t a1 = wasm_v128_load32_splat(a + 1);
    c10 = MADD(c10, a1, b0); c11 = MADD(c11, a1, b1);
    v128_t a2 = wasm_v128_load32_splat(a + 2);
    c20 = MADD(c20, a2, b0); c21 = MADD(c21, a2, b1);
    v128_t a3 = wasm_v128_load32_splat(a + 3);
    c30 = MADD(c30, a3, b0); c31 = MADD(c31, a3, b1);
    v128_t a4 = wasm_v128_load32_splat(a + 4);
    c40 = MADD(c40, a4, b0); c41 = MADD(c41, a4, b1);
    v128_t a5 = wasm_v128_load32_splat(a + 5);
    c50 = MADD(c50, a5, b0); c51 = MADD(c51, a5, b1);
  }
  int full = mr == MR && nr == NR;
  float *dst = full ? C : tile;
  int ld = full ? ldc : NR;
#define STORE(r, lo, hi)                                                                                                 \
  if (full && accumulate) {                                                                                            \
    lo = wasm_f32x4_add(lo, wasm_v128_load(dst + (r) * ld));                                                           \
    hi = wasm_f32x4_add(hi, wasm_v128_load(dst + (r) * ld + 4));                                                       \
  }                                                                                                                    \
  wasm_v128_store(dst + (r) * ld, lo);                                                                                 \
  wasm_v128_store(dst + (r) * ld + 4, hi);
  STORE(0, c00, c01) STORE(1, c10, c11) STORE(2, c20, c21) STORE(3, c30, c31) STORE(4, c40, c41) STORE(5, c50, c51)
#undef STORE
  if (!full)
    for (int r = 0; r < mr; r++)
      for (int j = 0; j < nr; j++) C[r * ldc + j] = accumulate ? C[r * ldc + j] + tile[r * NR + j] : tile[r * NR + j];
}

/** Floats of scratch that gemm needs for these sizes. */
int gemm_scratch_floats(int M, int N, int K) {
  (void)M;
  int kc = min_i(KC, K);
  int np = (N + NR - 1) / NR * NR;
  return kc * np + MC * kc + MR * NR;
}

/**
 * C (+)= op(A) · op(B), C [M, N] with row stride ldc. op(A) is A [M, K] (row stride lda) or, with trans_a, Aᵀ of
 * A [K, M]; op(B) is B [K, N] or, with trans_b, Bᵀ of B [N, K]. The strides let callers read and write column blocks
 * of wider matrices (the fused [Wq Wk Wv] and its Q/K/V output) without copies; accumulate adds into C.
 */
void gemm(const float *A, const float *B, float *C, int M, int N, int K, int lda, int ldb, int ldc, int trans_a,
          int trans_b, int accumulate, float *scratch) {
  int kcmax = min_i(KC, K);
  int np = (N + NR - 1) / NR * NR;
  float *pb = scratch, *pa = scratch + kcmax * np, *tile = pa + MC * kcmax;
  if (K == 0) {
    if (!accumulate)
      for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) C[i * ldc + j] = 0.0f;
    return;
  }
  for (int k0 = 0; k0 < K; k0 += KC) {
    int kc = min_i(KC, K - k0);
    pack_b(B, ldb, trans_b, k0, kc, N, pb);
    for (int i0 = 0; i0 < M; i0 += MC) {
      int mc = min_i(MC, M - i0);
      pack_a(A, lda, trans_a, i0, mc, k0, kc, pa);
      for (int j0 = 0; j0 < N; j0 += NR) {
        int nr = min_i(NR, N - j0);
        for (int r0 = 0; r0 < mc; r0 += MR)
          tile_6x8(kc, pa + r0 * kc, pb + j0 * kc, C + (i0 + r0) * ldc + j0, ldc, min_i(MR, mc - r0), nr,
                   accumulate || k0 > 0, tile);
      }
    }
  }
}

/** out[c] = Σ_r X[r, c] (X [rows, cols]); with Y, Σ_r X[r, c]·Y[r, c]. Column sums of gradients (biases, LN). */
void col_sums(const float *X, const float *Y, float *out, int rows, int cols) {
  int c = 0;
  for (; c + 4 <= cols; c += 4) {
    v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
    int r = 0;
    for (; r + 2 <= rows; r += 2) { // two partial sums: shorter dependency chains
      v128_t x0 = wasm_v128_load(X + r * cols + c), x1 = wasm_v128_load(X + (r + 1) * cols + c);
      if (Y) { x0 = wasm_f32x4_mul(x0, wasm_v128_load(Y + r * cols + c)); x1 = wasm_f32x4_mul(x1, wasm_v128_load(Y + (r + 1) * cols + c)); }
      s0 = wasm_f32x4_add(s0, x0); s1 = wasm_f32x4_add(s1, x1);
    }
    for (; r < rows; r++) {
      v128_t x0 = wasm_v128_load(X + r * cols + c);
      if (Y) x0 = wasm_f32x4_mul(x0, wasm_v128_load(Y + r * cols + c));
      s0 = wasm_f32x4_add(s0, x0);
    }
    wasm_v128_store(out + c, wasm_f32x4_add(s0, s1));
  }
  for (; c < cols; c++) {
    float s = 0.0f;
    for (int r = 0; r < rows; r++) s += Y ? X[r * cols + c] * Y[r * cols + c] : X[r * cols + c];
    out[c] = s;
  }
}

// ---- attention: softmax(Q Kᵀ·scale + mask) V for every (batch, head), forward and backward -------------------------
// Replaces, per layer, the head transposes, two batched matMuls forward and four backward, the scale, the mask adds
// and the softmax with its gradient: at T = 9 those are tiny products for which each tfjs kernel call costs more
// than its arithmetic. Masking is the as-run additive −1e9 on PAD keys (token 0); keys after a query's position get
// probability 0 exactly as the additive causal −1e9 gives after exp, so they are skipped.

static inline float dot_f32(const float *a, const float *b, int n) {
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 = MADD(s0, wasm_v128_load(a + i), wasm_v128_load(b + i));
    s1 = MADD(s1, wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4));
  }
  for (; i + 4 <= n; i += 4) s0 = MADD(s0, wasm_v128_load(a + i), wasm_v128_load(b + i));
  s0 = wasm_f32x4_add(s0, s1);
  float r = (wasm_f32x4_extract_lane(s0, 0) + wasm_f32x4_extract_lane(s0, 1)) +
            (wasm_f32x4_extract_lane(s0, 2) + wasm_f32x4_extract_lane(s0, 3));
  for (; i < n; i++) r += a[i] * b[i];
  return r;
}

// y += a·x
static inline void axpy_f32(float *y, float a, const float *x, int n) {
  v128_t va = wasm_f32x4_splat(a);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, MADD(wasm_v128_load(y + i), va, wasm_v128_load(x + i)));
  for (; i < n; i++) y[i] += a * x[i];
}

static inline void zero_f32(float *y, int n) {
  for (int i = 0; i < n; i++) y[i] = 0.0f;
}

// e^x for x ≤ 0 (softmax after max subtraction): Cody–Waite reduction and Cephes' expf polynomial, ~1 ulp.
static inline float exp_f32(float x) {
  if (x < -87.3f) return 0.0f;
  if (x > 88.7f) x = 88.7f;
  float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r * r + r + 1.0f;
  union { int i; float f; } u;
  u.i = ((int)n + 127) << 23;
  return y * u.f;
}

/**
 * ctx [B·Tq, H·dh] and probs [B, H, Tq, T] from Q rows [B·Tq] (stride ldq) and K, V rows [B·T] (stride ldkv); head h
 * reads columns h·dh … h·dh+dh−1 of each. Query t stands at position T − Tq + t (Tq = 1: the last position only).
 */
void attn_fwd(const float *q, int ldq, const float *k, const float *v, int ldkv, const int *tokens, float *ctx,
              float *probs, int B, int Tq, int T, int H, int dh, float scale) {
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++)
      for (int t = 0; t < Tq; t++) {
        int tpos = T - Tq + t;
        const float *qr = q + (b * Tq + t) * ldq + h * dh;
        float *pr = probs + ((b * H + h) * Tq + t) * T;
        float mx = -__builtin_inff();
        for (int s = 0; s <= tpos; s++) {
          float sc = dot_f32(qr, k + (b * T + s) * ldkv + h * dh, dh) * scale;
          if (tokens[b * T + s] == 0) sc += -1e9f;
          pr[s] = sc;
          if (sc > mx) mx = sc;
        }
        float sum = 0.0f;
        for (int s = 0; s <= tpos; s++) { float e = exp_f32(pr[s] - mx); pr[s] = e; sum += e; }
        float inv = 1.0f / sum;
        for (int s = 0; s <= tpos; s++) pr[s] *= inv;
        for (int s = tpos + 1; s < T; s++) pr[s] = 0.0f;
        float *cr = ctx + (b * Tq + t) * (H * dh) + h * dh;
        zero_f32(cr, dh);
        for (int s = 0; s <= tpos; s++) axpy_f32(cr, pr[s], v + (b * T + s) * ldkv + h * dh, dh);
      }
}

/**
 * Gradients of attn_fwd given dctx [B·Tq, H·dh]: dq rows (stride lddq), dk and dv rows (stride lddkv), each head's
 * columns overwritten. tmp: T floats.
 *   dP = dctx Vᵀ;  dV = Pᵀ dctx;  dS = P ⊙ (dP − rowsum(P ⊙ dP))·scale;  dQ = dS K;  dK = dSᵀ Q
 */
void attn_bwd(const float *q, int ldq, const float *k, const float *v, int ldkv, const float *probs, const float *dctx,
              float *dq, int lddq, float *dk, float *dv, int lddkv, int B, int Tq, int T, int H, int dh, float scale,
              float *tmp) {
  for (int b = 0; b < B; b++)
    for (int h = 0; h < H; h++) {
      for (int s = 0; s < T; s++) {
        zero_f32(dk + (b * T + s) * lddkv + h * dh, dh);
        zero_f32(dv + (b * T + s) * lddkv + h * dh, dh);
      }
      for (int t = 0; t < Tq; t++) {
        int tpos = T - Tq + t;
        const float *pr = probs + ((b * H + h) * Tq + t) * T;
        const float *dcr = dctx + (b * Tq + t) * (H * dh) + h * dh;
        const float *qr = q + (b * Tq + t) * ldq + h * dh;
        float *dqr = dq + (b * Tq + t) * lddq + h * dh;
        zero_f32(dqr, dh);
        float acc = 0.0f;
        for (int s = 0; s <= tpos; s++) {
          float dp = dot_f32(dcr, v + (b * T + s) * ldkv + h * dh, dh);
          tmp[s] = dp;
          acc += pr[s] * dp;
        }
        for (int s = 0; s <= tpos; s++) {
          axpy_f32(dv + (b * T + s) * lddkv + h * dh, pr[s], dcr, dh);
          float ds = pr[s] * (tmp[s] - acc) * scale;
          axpy_f32(dqr, ds, k + (b * T + s) * ldkv + h * dh, dh);
          axpy_f32(dk + (b * T + s) * lddkv + h * dh, ds, qr, dh);
        }
      }
    }
}
