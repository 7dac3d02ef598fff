using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Multiproc.Package.Tests;

/// <summary>
/// The package's rules in an editor: csharp-ls (a dotnet tool) on a fresh project that references the packed
/// Multiproc, with <c>csharp.analyzersEnabled</c> on, reports the MP diagnostics of an open document.
/// </summary>
[Collection(nameof(PackageCollection))]
public class LanguageServerTests(PackageFixture package)
{
    private const string CsharpLsVersion = "0.28.0";
    private static readonly TimeSpan SolutionLoad = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Csharp_ls_reports_the_MP_diagnostics_of_an_open_document()
    {
        var tools = Path.Combine(package.Root, "lsp-tools");
        var (code, output) = PackageFixture.Run(package.Root, "dotnet", "tool", "install", "csharp-ls", "--version", CsharpLsVersion, "--tool-path", tools);
        Assert.True(code == 0, "dotnet tool install csharp-ls failed:\n" + output);

        const string program = """
            using Multiproc;

            var p = new ChildProcess(() => Work.Hello("from the package"));
            p.Start();
            p.Daemon = true;          // MP0004

            public static class Work
            {
                public static void Hello(string text) => Console.WriteLine("child says " + text);

                public static void NotJoined()
                {
                    var q = new ChildProcess(() => Hello("again"));
                    q.Start();        // MP0003
                }
            }
            """;
        var dir = package.NewConsoleProject("LspApp", new Dictionary<string, string> { ["Program.cs"] = program });
        var root = new Uri(dir + "/").AbsoluteUri.TrimEnd('/');
        var document = new Uri(Path.Combine(dir, "Program.cs")).AbsoluteUri;

        // csharp-ls 0.28 reads csharp.analyzersEnabled from the client's workspace/configuration answer (initializationOptions
        // alone leave it off); without it the pulls below return no MP diagnostics and the test fails at its deadline.
        using var server = new LspClient(Path.Combine(tools, "csharp-ls"), dir, new JsonObject { ["analyzersEnabled"] = true });
        await server.RequestAsync("initialize", new JsonObject
        {
            ["processId"] = Environment.ProcessId,
            ["rootUri"] = root,
            ["workspaceFolders"] = new JsonArray(new JsonObject { ["uri"] = root, ["name"] = "LspApp" }),
            ["capabilities"] = new JsonObject
            {
                ["workspace"] = new JsonObject { ["configuration"] = true },
                ["textDocument"] = new JsonObject
                {
                    ["diagnostic"] = new JsonObject { ["dynamicRegistration"] = false },
                    ["publishDiagnostics"] = new JsonObject(),
                },
            },
        }, TimeSpan.FromSeconds(60));
        server.Notify("initialized", new JsonObject());
        server.Notify("textDocument/didOpen", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = document, ["languageId"] = "csharp", ["version"] = 1, ["text"] = program },
        });

        // The first pull waits for the solution to load; until then an answer may lack the analyzers' diagnostics.
        var clock = Stopwatch.StartNew();
        List<JsonNode> mp = [];
        while (true)
        {
            var left = SolutionLoad - clock.Elapsed;
            Assert.True(left > TimeSpan.Zero, $"no MP0003 and MP0004 within {SolutionLoad.TotalSeconds} s; last MP diagnostics: [{string.Join(", ", mp.Select(d => d.ToJsonString()))}]\n{server.Transcript}");
            var report = await server.RequestAsync("textDocument/diagnostic",
                new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = document } }, left);
            mp = (report?["items"]?.AsArray() ?? []).OfType<JsonNode>()
                .Where(d => ((string?)d["code"])?.StartsWith("MP", StringComparison.Ordinal) == true).ToList();
            if (mp.Any(d => (string?)d["code"] == "MP0003") && mp.Any(d => (string?)d["code"] == "MP0004")) break;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        // Lines and characters are zero-based: `p.Daemon = true` is on line 4, `q.Start()` on line 13.
        var mp0004 = mp.Single(d => (string?)d["code"] == "MP0004");
        Assert.Equal(4, (int)mp0004["range"]!["start"]!["line"]!);
        var mp0003 = mp.Single(d => (string?)d["code"] == "MP0003");
        Assert.Equal(13, (int)mp0003["range"]!["start"]!["line"]!);
        Assert.Contains("'q'", (string?)mp0003["message"]);
    }
}
