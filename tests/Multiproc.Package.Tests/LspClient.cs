using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Multiproc.Package.Tests;

/// <summary>
/// A minimal LSP client over a language server's stdio (JSON-RPC with Content-Length framing). It answers the
/// server's requests (<c>workspace/configuration</c> from <see cref="Configuration"/>, everything else with null),
/// keeps the server's stderr and log messages for failure reports, and kills the server when disposed.
/// </summary>
public sealed class LspClient : IDisposable
{
    private readonly Process process;
    private readonly Stream input;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> pending = new();
    private readonly StringBuilder log = new();
    private readonly object writeLock = new();
    private int nextId;

    /// <summary>The <c>csharp</c> section this client hands the server when asked for its configuration.</summary>
    public JsonObject Configuration { get; }

    public LspClient(string exe, string workingDirectory, JsonObject configuration)
    {
        Configuration = configuration;
        var psi = new ProcessStartInfo(exe)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + exe);
        input = process.StandardInput.BaseStream;
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Log("stderr: " + e.Data); };
        process.BeginErrorReadLine();
        _ = Task.Run(ReadLoop);
    }

    /// <summary>What the server said on stderr and in log messages, and how reading ended.</summary>
    public string Transcript { get { lock (log) return log.ToString(); } }

    private void Log(string line) { lock (log) log.AppendLine(line); }

    public async Task<JsonNode?> RequestAsync(string method, JsonNode? parameters, TimeSpan timeout)
    {
        var id = Interlocked.Increment(ref nextId);
        var tcs = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = tcs;
        Send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters });
        try
        {
            return await tcs.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{method} got no answer within {timeout.TotalSeconds} s\n{Transcript}");
        }
        finally
        {
            pending.TryRemove(id, out _);
        }
    }

    public void Notify(string method, JsonNode? parameters) =>
        Send(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters });

    private void Send(JsonObject message)
    {
        var body = Encoding.UTF8.GetBytes(message.ToJsonString());
        var header = Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n");
        lock (writeLock)
        {
            input.Write(header);
            input.Write(body);
            input.Flush();
        }
    }

    private async Task ReadLoop()
    {
        var output = process.StandardOutput.BaseStream;
        try
        {
            while (true)
            {
                var length = -1;
                while (true)
                {
                    var line = await ReadHeaderLine(output);
                    if (line is null) { Log("server closed its output"); FailPending(); return; }
                    if (line.Length == 0) break;
                    if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        length = int.Parse(line["Content-Length:".Length..].Trim());
                }
                if (length < 0) throw new InvalidDataException("an LSP message without Content-Length");
                var body = new byte[length];
                await output.ReadExactlyAsync(body);
                Dispatch(JsonNode.Parse(body)!.AsObject());
            }
        }
        catch (Exception e)
        {
            Log("reading failed: " + e);
            FailPending();
        }
    }

    private void FailPending()
    {
        foreach (var tcs in pending.Values)
            tcs.TrySetException(new IOException("the language server stopped answering\n" + Transcript));
    }

    private static async Task<string?> ReadHeaderLine(Stream s)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await s.ReadAsync(one) == 0) return null;
            if (one[0] == '\n') return Encoding.ASCII.GetString(bytes.ToArray()).TrimEnd('\r');
            bytes.Add(one[0]);
        }
    }

    private void Dispatch(JsonObject message)
    {
        var method = (string?)message["method"];
        if (method is null)
        {
            var id = (int)message["id"]!;
            if (pending.TryGetValue(id, out var tcs))
            {
                if (message["error"] is { } error) tcs.TrySetException(new InvalidOperationException($"LSP error: {error.ToJsonString()}"));
                else tcs.TrySetResult(message["result"]?.DeepClone());
            }
            return;
        }
        if (method == "window/logMessage") Log("log: " + (string?)message["params"]?["message"]);
        if (message["id"] is not { } requestId) return;
        JsonNode? result = null;
        if (method == "workspace/configuration")
        {
            var answers = new JsonArray();
            foreach (var item in message["params"]?["items"]?.AsArray() ?? [])
            {
                var section = (string?)item?["section"];
                answers.Add(section switch
                {
                    "csharp" => Configuration.DeepClone(),
                    null => new JsonObject { ["csharp"] = Configuration.DeepClone() },
                    _ when section.StartsWith("csharp.", StringComparison.Ordinal) => Configuration[section["csharp.".Length..]]?.DeepClone(),
                    _ => null,
                });
            }
            result = answers;
        }
        Send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = requestId.DeepClone(), ["result"] = result });
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException) { }
        process.Dispose();
    }
}
