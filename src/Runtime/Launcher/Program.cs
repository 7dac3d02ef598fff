// Multiproc.Child.dll: the entry point of child processes. Built by Multiproc.csproj (target
// _MultiprocLauncher), not part of Multiproc.dll. A child runs as
//   dotnet exec --runtimeconfig <app>.runtimeconfig.json --depsfile <app>.deps.json Multiproc.Child.dll 3 <entry assembly>
// so that it loads the app's own framework, settings and assemblies without running the app's Main and
// without a startup hook (whose handling costs every child milliseconds of CPU).
internal static class Program
{
    private static int Main(string[] args) => Multiproc.Internal.ChildMain.RunLaunched(args);
}
