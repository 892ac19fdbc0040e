/*
 * bcryptprimitives.dll for the Wine test prefix only (scripts/test-windows.sh);
 * never part of the installer.
 *
 * Go programs since Go 1.22 take their random numbers from ProcessPrng in
 * bcryptprimitives.dll, which every Windows 10 and 11 has. Wine 8.0 (Debian
 * 12) has no such DLL, so there every Go program stops at start-up with
 * "bcryptprimitives.dll not found". This DLL gives ProcessPrng on top of
 * BCryptGenRandom, which Wine does have, with the system's preferred
 * generator. See docs/WINDOWS.md.
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
