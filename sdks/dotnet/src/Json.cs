// JSON for the SDK with no dependency: a reader to plain trees (Dictionary<string, object>,
// List<object>, string, long, double, bool, null), a writer, and a binder between trees and the
// typed models ([JsonName] on properties and enum members). C# 7.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Example
{
    /// <summary>The wire name of a property or an enum member.</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class JsonNameAttribute : Attribute
    {
        public JsonNameAttribute(string name) { Name = name; }
        public string Name { get; }
    }

    public sealed class JsonException : FormatException
    {
        public JsonException(string message) : base(message) { }
    }

    public static class Json
    {
        // ---- reading -------------------------------------------------------------------------

        public static object Parse(string text)
        {
            if (text == null) throw new JsonException("No JSON (null)");
            int i = 0;
            object value = ReadValue(text, ref i, 0);
            SkipSpace(text, ref i);
            if (i != text.Length) throw new JsonException("Unexpected text after the JSON value at " + i);
            return value;
        }

        private static void SkipSpace(string s, ref int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
        }

        private static object ReadValue(string s, ref int i, int depth)
        {
            if (depth > 128) throw new JsonException("JSON nested too deeply");
            SkipSpace(s, ref i);
            if (i >= s.Length) throw new JsonException("Unexpected end of JSON");
            char c = s[i];
            if (c == '{')
            {
                var obj = new Dictionary<string, object>();
                i++;
                SkipSpace(s, ref i);
                if (i < s.Length && s[i] == '}') { i++; return obj; }
                while (true)
                {
                    SkipSpace(s, ref i);
                    if (i >= s.Length || s[i] != '"') throw new JsonException("Expected a member name at " + i);
                    string key = ReadString(s, ref i);
                    SkipSpace(s, ref i);
                    if (i >= s.Length || s[i] != ':') throw new JsonException("Expected ':' at " + i);
                    i++;
                    obj[key] = ReadValue(s, ref i, depth + 1);
                    SkipSpace(s, ref i);
                    if (i < s.Length && s[i] == ',') { i++; continue; }
                    if (i < s.Length && s[i] == '}') { i++; return obj; }
                    throw new JsonException("Expected ',' or '}' at " + i);
                }
            }
            if (c == '[')
            {
                var list = new List<object>();
                i++;
                SkipSpace(s, ref i);
                if (i < s.Length && s[i] == ']') { i++; return list; }
                while (true)
                {
                    list.Add(ReadValue(s, ref i, depth + 1));
                    SkipSpace(s, ref i);
                    if (i < s.Length && s[i] == ',') { i++; continue; }
                    if (i < s.Length && s[i] == ']') { i++; return list; }
                    throw new JsonException("Expected ',' or ']' at " + i);
                }
            }
            if (c == '"') return ReadString(s, ref i);
            if (Literal(s, ref i, "true")) return true;
            if (Literal(s, ref i, "false")) return false;
            if (Literal(s, ref i, "null")) return null;
            return ReadNumber(s, ref i);
        }

        private static bool Literal(string s, ref int i, string word)
        {
            if (string.CompareOrdinal(s, i, word, 0, word.Length) != 0) return false;
            i += word.Length;
            return true;
        }

        private static object ReadNumber(string s, ref int i)
        {
            int start = i;
            if (i < s.Length && s[i] == '-') i++;
            while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.' || s[i] == 'e' || s[i] == 'E' || s[i] == '+' || s[i] == '-')) i++;
            string text = s.Substring(start, i - start);
            long l;
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l)) return l;
            double d;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out d)) return d;
            throw new JsonException("Invalid JSON value at " + start);
        }

        private static string ReadString(string s, ref int i)
        {
            var sb = new StringBuilder();
            i++; // the opening quote
            while (i < s.Length)
            {
                char c = s[i++];
                if (c == '"') return sb.ToString();
                if (c != '\\') { sb.Append(c); continue; }
                if (i >= s.Length) break;
                char e = s[i++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (i + 4 > s.Length) throw new JsonException("Bad \\u escape");
                        sb.Append((char)int.Parse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default: throw new JsonException("Bad escape \\" + e);
                }
            }
            throw new JsonException("Unterminated string");
        }

        // ---- writing -------------------------------------------------------------------------

        public static string Write(object value)
        {
            var sb = new StringBuilder();
            WriteValue(sb, ToTree(value));
            return sb.ToString();
        }

        private static void WriteValue(StringBuilder sb, object v)
        {
            if (v == null) { sb.Append("null"); return; }
            if (v is string) { WriteString(sb, (string)v); return; }
            if (v is bool) { sb.Append((bool)v ? "true" : "false"); return; }
            if (v is double || v is float || v is decimal)
            {
                sb.Append(Convert.ToDouble(v, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
                return;
            }
            if (v is IDictionary)
            {
                sb.Append('{');
                bool first = true;
                foreach (DictionaryEntry e in (IDictionary)v)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, Convert.ToString(e.Key, CultureInfo.InvariantCulture));
                    sb.Append(':');
                    WriteValue(sb, e.Value);
                }
                sb.Append('}');
                return;
            }
            if (v is IEnumerable)
            {
                sb.Append('[');
                bool first = true;
                foreach (object item in (IEnumerable)v)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteValue(sb, item);
                }
                sb.Append(']');
                return;
            }
            sb.Append(Convert.ToString(v, CultureInfo.InvariantCulture)); // integers
        }

        private static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }

        // ---- binding -------------------------------------------------------------------------

        /// <summary>A model, enum, list or dictionary as a plain tree; unset (null) members dropped.</summary>
        public static object ToTree(object value)
        {
            if (value == null || value is string || value is bool || value is long || value is int || value is double) return value;
            Type t = value.GetType();
            if (t.IsEnum) return EnumName(value);
            if (value is IDictionary)
            {
                var d = new Dictionary<string, object>();
                foreach (DictionaryEntry e in (IDictionary)value) d[Convert.ToString(e.Key, CultureInfo.InvariantCulture)] = ToTree(e.Value);
                return d;
            }
            if (value is IEnumerable)
            {
                var l = new List<object>();
                foreach (object item in (IEnumerable)value) l.Add(ToTree(item));
                return l;
            }
            if (value is ApiObject || value is RequestParams)
            {
                var d = new Dictionary<string, object>();
                var raw = value as ApiObject;
                if (raw != null && raw.Raw != null) foreach (var kv in raw.Raw) d[kv.Key] = kv.Value;
                foreach (PropertyInfo p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    var name = p.GetCustomAttribute<JsonNameAttribute>();
                    if (name == null) continue;
                    object v = p.GetValue(value);
                    if (v != null) d[name.Name] = ToTree(v);
                }
                var extra = value as RequestParams;
                if (extra != null) foreach (var kv in extra.ExtraParams) d[kv.Key] = ToTree(kv.Value);
                return d;
            }
            return value;
        }

        public static T Bind<T>(object tree)
        {
            return (T)Bind(tree, typeof(T));
        }

        public static object Bind(object tree, Type type)
        {
            if (tree == null) return null;
            Type inner = Nullable.GetUnderlyingType(type);
            if (inner != null) return Bind(tree, inner);
            if (type == typeof(object)) return tree;
            if (type == typeof(string)) return tree as string ?? Convert.ToString(tree, CultureInfo.InvariantCulture);
            if (type == typeof(long)) return tree is long ? tree : (object)Convert.ToInt64(tree, CultureInfo.InvariantCulture);
            if (type == typeof(int)) return Convert.ToInt32(tree, CultureInfo.InvariantCulture);
            if (type == typeof(double)) return Convert.ToDouble(tree, CultureInfo.InvariantCulture);
            if (type == typeof(bool)) return tree is bool ? tree : (object)false;
            if (type.IsEnum) return EnumValue(type, tree as string);
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
            {
                var list = (IList)Activator.CreateInstance(type);
                var items = tree as List<object>;
                if (items != null) foreach (object item in items) list.Add(Bind(item, type.GetGenericArguments()[0]));
                return list;
            }
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                var dict = (IDictionary)Activator.CreateInstance(type);
                var members = tree as Dictionary<string, object>;
                if (members != null) foreach (var kv in members) dict[kv.Key] = Bind(kv.Value, type.GetGenericArguments()[1]);
                return dict;
            }
            if (typeof(ApiObject).IsAssignableFrom(type))
            {
                var members = tree as Dictionary<string, object>;
                if (members == null) return null;
                Type concrete = type;
                object discriminator;
                Type chosen;
                if (type == typeof(ApiObject) && members.TryGetValue("object", out discriminator) && discriminator is string
                    && Discriminators.ByObject.TryGetValue((string)discriminator, out chosen))
                {
                    concrete = chosen;
                }
                var obj = (ApiObject)Activator.CreateInstance(concrete);
                obj.Raw = members;
                foreach (PropertyInfo p in concrete.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                {
                    var name = p.GetCustomAttribute<JsonNameAttribute>();
                    object v;
                    if (name != null && p.CanWrite && members.TryGetValue(name.Name, out v)) p.SetValue(obj, Bind(v, p.PropertyType));
                }
                return obj;
            }
            return tree;
        }

        private static readonly Dictionary<Type, Dictionary<string, object>> EnumsByName = new Dictionary<Type, Dictionary<string, object>>();

        private static object EnumValue(Type type, string name)
        {
            Dictionary<string, object> byName;
            lock (EnumsByName)
            {
                if (!EnumsByName.TryGetValue(type, out byName))
                {
                    byName = new Dictionary<string, object>();
                    foreach (FieldInfo f in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                    {
                        var attr = f.GetCustomAttribute<JsonNameAttribute>();
                        if (attr != null) byName[attr.Name] = f.GetValue(null);
                    }
                    EnumsByName[type] = byName;
                }
            }
            object value;
            return name != null && byName.TryGetValue(name, out value) ? value : Enum.ToObject(type, 0); // Unknown
        }

        /// <summary>The wire value of an enum member ("resource.created" for EventType.ResourceCreated).</summary>
        public static string EnumName(object value)
        {
            FieldInfo f = value.GetType().GetField(value.ToString());
            var attr = f == null ? null : f.GetCustomAttribute<JsonNameAttribute>();
            if (attr == null) throw new ArgumentException(value.GetType().Name + "." + value + " has no wire value");
            return attr.Name;
        }
    }
}
