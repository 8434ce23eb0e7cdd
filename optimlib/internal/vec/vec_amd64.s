//go:build amd64 && !purego

#include "textflag.h"

// func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv0() uint32
TEXT ·xgetbv0(SB), NOSPLIT, $0-4
	MOVL $0, CX
	XGETBV
	MOVL AX, ret+0(FP)
	RET

// func scaledAddAVX2(w, grad *float64, n int, a float64)
//
// w[i] = fma(a, grad[i], w[i]) for i < n, eight elements per iteration.
TEXT ·scaledAddAVX2(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSD a+24(FP), Y0
	SHRQ $3, CX

scaledLoop:
	VMOVUPD (DI), Y1
	VMOVUPD 32(DI), Y2
	VFMADD231PD (SI), Y0, Y1
	VFMADD231PD 32(SI), Y0, Y2
	VMOVUPD Y1, (DI)
	VMOVUPD Y2, 32(DI)
	ADDQ $64, DI
	ADDQ $64, SI
	DECQ CX
	JNZ  scaledLoop
	VZEROUPPER
	RET

// func momentumAVX2(w, grad, p *float64, n int, a, mom float64)
//
// p[i] = p[i]·mom + grad[i] (two roundings) and w[i] = fma(a, p[i], w[i]) for
// i < n, eight elements per iteration.
TEXT ·momentumAVX2(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ p+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSD a+32(FP), Y0
	VBROADCASTSD mom+40(FP), Y1
	SHRQ $3, CX

momentumLoop:
	VMULPD  (DX), Y1, Y2
	VMULPD  32(DX), Y1, Y3
	VADDPD  (SI), Y2, Y2
	VADDPD  32(SI), Y3, Y3
	VMOVUPD Y2, (DX)
	VMOVUPD Y3, 32(DX)
	VMOVUPD (DI), Y4
	VMOVUPD 32(DI), Y5
	VFMADD231PD Y2, Y0, Y4
	VFMADD231PD Y3, Y0, Y5
	VMOVUPD Y4, (DI)
	VMOVUPD Y5, 32(DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	DECQ CX
	JNZ  momentumLoop
	VZEROUPPER
	RET
