/// <summary>
/// The .NET startup hook (<c>DOTNET_STARTUP_HOOKS</c>) through which Multiproc children start: it runs
/// before the app's Main and, in a process started by Multiproc, runs the target and exits.
/// In any other process it does nothing.
/// </summary>
internal static class StartupHook
{
    /// <summary>Called by the runtime before Main.</summary>
    public static void Initialize() => Multiproc.Internal.ChildMain.RunIfChild();
}
