// Every mistake Multiproc's analyzers catch, one per method, each marked with its rule.
// `dotnet build samples/Mistakes` shows the warnings; see README.md for the fixes.
// Running it runs only the harmless demonstrations.
using Multiproc;

Console.WriteLine("This project exists to show analyzer warnings; build it and read them.");
Console.WriteLine("Run `dotnet format analyzers samples/Mistakes --diagnostics MP0002 MP0003 MP0004` to fix some.");
