using System.Runtime.CompilerServices;

namespace Multiproc.Internal;

/// <summary>
/// Reads and writes of one unmanaged value in shared memory: one atomic load or store for values of 1, 2, 4 or
/// 8 bytes (naturally aligned), under a small crash-safe guard word (<see cref="OwnerLock"/>) for larger ones, so
/// that no read ever sees half of a write.
/// </summary>
internal static unsafe class SharedCell<T> where T : unmanaged
{
    public static T Read(byte* p, int* guard)
    {
        switch (Unsafe.SizeOf<T>())
        {
            case 1: { var v = Volatile.Read(ref *p); return Unsafe.As<byte, T>(ref v); }
            case 2: { var v = Volatile.Read(ref *(short*)p); return Unsafe.As<short, T>(ref v); }
            case 4: { var v = Volatile.Read(ref *(int*)p); return Unsafe.As<int, T>(ref v); }
            case 8: { var v = Volatile.Read(ref *(long*)p); return Unsafe.As<long, T>(ref v); }
            default:
                OwnerLock.Acquire(guard);
                var value = Unsafe.ReadUnaligned<T>(p);
                OwnerLock.Release(guard);
                return value;
        }
    }

    public static void Write(byte* p, int* guard, T value)
    {
        switch (Unsafe.SizeOf<T>())
        {
            case 1: Volatile.Write(ref *p, Unsafe.As<T, byte>(ref value)); break;
            case 2: Volatile.Write(ref *(short*)p, Unsafe.As<T, short>(ref value)); break;
            case 4: Volatile.Write(ref *(int*)p, Unsafe.As<T, int>(ref value)); break;
            case 8: Volatile.Write(ref *(long*)p, Unsafe.As<T, long>(ref value)); break;
            default:
                OwnerLock.Acquire(guard);
                Unsafe.WriteUnaligned(p, value);
                OwnerLock.Release(guard);
                break;
        }
    }
}
