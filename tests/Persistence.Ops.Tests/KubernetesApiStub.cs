using System.Net;
using System.Text;
using System.Web;
using k8s;
using k8s.Models;

namespace Persistence.Ops.Tests;

/// <summary>
/// A loopback Kubernetes API answering the reads doctor makes with recorded objects (KubernetesClient's models, serialized
/// with its serializer): namespaces, Deployments, KEDA ScaledObjects, pods by label, events by involved object, pod logs.
/// Anything else is a 404 Status, as the API server answers; every request path is recorded.
/// </summary>
public sealed class KubernetesApiStub : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;
    public int Port { get; } = ServerProcess.FreePort();
    public List<string> Requests { get; } = [];

    public HashSet<string> Namespaces { get; } = [];
    public List<V1Deployment> Deployments { get; } = [];
    public HashSet<string> ScaledObjects { get; } = [];
    public List<V1Pod> Pods { get; } = [];
    public List<Corev1Event> Events { get; } = [];
    public Dictionary<string, string> Logs { get; } = [];

    public KubernetesApiStub()
    {
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>A kubeconfig naming this stub as context "stub", the way `kubectl config` writes one.</summary>
    public string WriteKubeconfig()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: stub
              cluster:
                server: http://127.0.0.1:{Port}
            users:
            - name: stub
              user:
                token: test-token
            contexts:
            - name: stub
              context: {"{"} cluster: stub, user: stub {"}"}
            current-context: stub
            """);
        return path;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            try { Answer(context); }
            catch (Exception e) { Write(context.Response, 500, "text/plain", e.ToString()); }
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var url = context.Request.Url!;
        var parts = url.AbsolutePath.Trim('/').Split('/');
        var query = HttpUtility.ParseQueryString(url.Query);
        lock (Requests) Requests.Add(url.PathAndQuery);
        object? found = parts switch
        {
            ["api", "v1", "namespaces", var ns] => Namespaces.Contains(ns) ? new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = ns } } : null,
            ["apis", "apps", "v1", "namespaces", var ns, "deployments", var name] => Deployments.FirstOrDefault(d => d.Metadata.NamespaceProperty == ns && d.Metadata.Name == name),
            ["apis", "keda.sh", "v1alpha1", "namespaces", var ns, "scaledobjects", var name] => ScaledObjects.Contains($"{ns}/{name}")
                ? new Dictionary<string, object> { ["apiVersion"] = "keda.sh/v1alpha1", ["kind"] = "ScaledObject", ["metadata"] = new { name, @namespace = ns } } : null,
            ["api", "v1", "namespaces", var ns, "pods"] => new V1PodList { ApiVersion = "v1", Kind = "PodList", Metadata = new V1ListMeta(),
                Items = Pods.Where(p => p.Metadata.NamespaceProperty == ns && Selected(p, query["labelSelector"])).ToList() },
            ["api", "v1", "namespaces", var ns, "events"] => new Corev1EventList { ApiVersion = "v1", Kind = "EventList", Metadata = new V1ListMeta(),
                Items = Events.Where(e => e.Metadata.NamespaceProperty == ns && (query["fieldSelector"] is not { } f || f == $"involvedObject.name={e.InvolvedObject.Name}")).ToList() },
            ["api", "v1", "namespaces", _, "pods", var pod, "log"] => Logs.TryGetValue(pod, out var log) ? log : null,
            _ => null,
        };
        if (found is string text) Write(context.Response, 200, "text/plain", text);
        else if (found is not null) Write(context.Response, 200, "application/json", KubernetesJson.Serialize(found));
        // The Status body by hand: KubernetesClient's V1Status converter only reads.
        else Write(context.Response, 404, "application/json", System.Text.Json.JsonSerializer.Serialize(new { apiVersion = "v1", kind = "Status", status = "Failure", reason = "NotFound", code = 404, message = $"{url.AbsolutePath} not found" }));
    }

    private static bool Selected(V1Pod pod, string? selector)
    {
        if (selector is null) return true;
        return selector.Split(',').All(term => term.Split('=') is [var key, var value] && pod.Metadata.Labels?.TryGetValue(key, out var v) == true && v == value);
    }

    private static void Write(HttpListenerResponse response, int status, string type, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = type;
        response.ContentLength64 = bytes.Length;
        response.OutputStream.Write(bytes);
        response.Close();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
